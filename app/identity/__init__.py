"""Identity: accounts and their channel identities (WeChat, Alipay, phone), the population
registry, real name (level 3), face verification and face login (level 4), sessions and tokens.
Other layers use `app.identity.service` only."""
