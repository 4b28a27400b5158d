"""Electronic licences (电子证照): the citizen's wallet, authorised use, show codes."""
