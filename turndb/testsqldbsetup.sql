-- turn-dotnet test data for a user database made from schema.sql (SQLite, PostgreSQL, MySQL/MariaDB):
--   sqlite3 /tmp/turndb < turndb/schema.sql && sqlite3 /tmp/turndb < turndb/testsqldbsetup.sql
-- Long-term keys are hex MD5(user:realm:password) (what `turnadmin -k` prints after "0x"); the passwords are given
-- in the comments so that test clients can authenticate. Admin passwords are in turnadmin -P's $5$salt$sha256 form.

-- Long-term users.
insert into turnusers_lt (realm, name, hmackey) values ('example.org', 'alice', '7d348e130bd24a6e4e12a4700c262787'); -- alice-pass
insert into turnusers_lt (realm, name, hmackey) values ('example.org', 'bob', '5d97a7ff2bf94797c58228e8bbedec8a'); -- bob-pass
insert into turnusers_lt (realm, name, hmackey) values ('example.net', 'carol', 'c77d1f7dad5beaab09945989c89107c1'); -- carol-pass
insert into turnusers_lt (realm, name, hmackey) values ('example.net', 'erin_2', '9248c42bc54184bca645ff07224f1261'); -- erin-pass

-- TURN REST API shared secrets (several per realm).
insert into turn_secret (realm, value) values ('example.org', 'restsecret-1');
insert into turn_secret (realm, value) values ('example.org', 'restsecret-2');
insert into turn_secret (realm, value) values ('example.net', 'netsecret');

-- Web-admin / CLI users: root (no realm: every realm) and an administrator of example.org.
insert into admin_user (name, realm, password) values ('root', '', '$5$3a9c51e07b2d4f68$181854856382dd27d5d8e85bae3bb0be9244a14e02a953d8072781aa90f1fad6'); -- rootpass
insert into admin_user (name, realm, password) values ('orgadmin', 'example.org', '$5$c41d0e9a7f3b2865$9b7ca86eff696a3924ce6c10bee80daed22b75b30e4f90c21fb316a13051d118'); -- orgadminpass

-- ORIGIN (canonical scheme://host:port) to realm.
insert into turn_origin_to_realm (origin, realm) values ('https://app.example.org:443', 'example.org');
insert into turn_origin_to_realm (origin, realm) values ('http://example.net:80', 'example.net');

-- Per-realm limits.
insert into turn_realm_option (realm, opt, value) values ('example.org', 'max-bps', '300000');
insert into turn_realm_option (realm, opt, value) values ('example.org', 'total-quota', '100');
insert into turn_realm_option (realm, opt, value) values ('example.org', 'user-quota', '10');
insert into turn_realm_option (realm, opt, value) values ('example.net', 'user-quota', '4');

-- Peer address ranges; an empty realm applies to every realm.
insert into allowed_peer_ip (realm, ip_range) values ('', '10.0.0.1');
insert into allowed_peer_ip (realm, ip_range) values ('example.org', '10.1.0.0-10.1.255.255');
insert into denied_peer_ip (realm, ip_range) values ('', '192.168.0.0-192.168.255.255');
insert into denied_peer_ip (realm, ip_range) values ('example.net', 'fd00::1');

-- RFC 7635 (oAuth) keys; ikm_key is base64.
insert into oauth_key (kid, ikm_key, timestamp, lifetime, as_rs_alg, realm) values ('key-2026-01', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', 1767225600, 3600, 'A256GCM', 'example.org');
insert into oauth_key (kid, ikm_key, timestamp, lifetime, as_rs_alg, realm) values ('key-legacy', 'MDEyMzQ1Njc4OWFiY2RlZg==', 0, 0, 'A128GCM', '');
