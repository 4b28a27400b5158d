"""Legal persons (法人): the market-entity registry, who may act for an enterprise (its legal
representative, the agents it authorised) and the acting context of a citizen's session."""
