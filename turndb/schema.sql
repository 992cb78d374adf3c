-- turn-dotnet user database schema (SQLite, PostgreSQL, MySQL/MariaDB).
-- Table and column names and types match coturn 4.6.1, so one database serves either server.

-- Long-term credentials: hmackey is hex MD5(name:realm:password) (or a longer SHA key).
CREATE TABLE turnusers_lt (
    realm varchar(127) default '',
    name varchar(512),
    hmackey char(128),
    PRIMARY KEY (realm, name)
);

-- TURN REST API shared secrets, several per realm allowed.
CREATE TABLE turn_secret (
    realm varchar(127) default '',
    value varchar(256),
    PRIMARY KEY (realm, value)
);

-- Peer address ranges ("a.b.c.d" or "from-to") allowed or denied per realm.
CREATE TABLE allowed_peer_ip (
    realm varchar(127) default '',
    ip_range varchar(256),
    PRIMARY KEY (realm, ip_range)
);

CREATE TABLE denied_peer_ip (
    realm varchar(127) default '',
    ip_range varchar(256),
    PRIMARY KEY (realm, ip_range)
);

-- ORIGIN attribute value -> realm.
CREATE TABLE turn_origin_to_realm (
    origin varchar(127),
    realm varchar(127),
    PRIMARY KEY (origin)
);

-- Per-realm overrides; opt is one of max-bps, total-quota, user-quota.
CREATE TABLE turn_realm_option (
    realm varchar(127) default '',
    opt varchar(32),
    value varchar(128),
    PRIMARY KEY (realm, opt)
);

-- RFC 7635 third-party authorization keys.
CREATE TABLE oauth_key (
    kid varchar(128),
    ikm_key varchar(256),
    timestamp bigint default 0,
    lifetime integer default 0,
    as_rs_alg varchar(64) default '',
    realm varchar(127),
    PRIMARY KEY (kid)
);

-- Web-admin / CLI users; password in "$5$salt$sha256" form.
CREATE TABLE admin_user (
    name varchar(32),
    realm varchar(127),
    password varchar(127),
    PRIMARY KEY (name)
);
