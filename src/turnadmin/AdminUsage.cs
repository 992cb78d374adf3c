namespace Turn.AdminTool;

/// <summary>turnadmin's help text (our wording; the same commands and options as coturn's turnadmin).</summary>
internal static class AdminUsage
{
    public const string Text = """

Usage: turnadmin [command] [options]

Manages the TURN server's user database (the same tables and keys as coturn's) and computes keys.

Commands (the last one given wins):

  -k, --key                      print the long-term key 0x<md5(user:realm:password)> of -u, -r, -p
  -a, --add                      add or update a long-term user (-u, -r, -p)
  -d, --delete                   delete a long-term user (-u, -r)
  -l, --list                     list long-term users as user[realm] (all realms, or -r)
  -A, --add-admin                add or update a web-admin/CLI user (-u, -p, optional -r)
  -D, --delete-admin             delete a web-admin/CLI user (-u)
  -L, --list-admin               list web-admin/CLI users
  -s, --set-secret=<secret>      add a TURN REST API shared secret to realm -r
  -S, --show-secret              list shared secrets as secret[realm] (all realms, or -r)
  -X, --delete-secret=<secret>   delete one shared secret of realm -r
      --delete-all-secrets       delete every shared secret of realm -r
  -O, --add-origin               map origin -o to realm -r
  -R, --del-origin               remove the mapping of origin -o
  -I, --list-origins             list origin mappings as origin ==>> realm (all realms, or -r)
  -g, --set-realm-option         set --max-bps, --total-quota and/or --user-quota of realm -r (0 removes it)
  -G, --list-realm-options       list realm options as option[realm]=value (all realms, or -r)
  -P, --generate-encrypted-password
                                 print the $5$<salt>$<sha256> form of -p for cli-password or admin users
  -E, --generate-encrypted-password-aes
                                 print -p encrypted with the AES-128 key of -f (for --mysql-userdb passwords)

Options:

  -b, --userdb, --db <file>      SQLite user database (default /var/lib/turn/turndb; also tried:
                                 /var/db/turndb, /usr/local/var/db/turndb)
  -e, --psql-userdb, --sql-userdb <conninfo>
                                 PostgreSQL user database
  -M, --mysql-userdb <conninfo>  MySQL/MariaDB user database
  -N, --redis-userdb <conninfo>  Redis user database
  -J, --mongo-userdb <uri>       MongoDB user database (not available in this build)
  -u, --user <name>              user name
  -r, --realm <realm>            realm
  -p, --password <password>      password
  -o, --origin <origin>          origin, e.g. https://example.org (stored as scheme://host:port)
      --max-bps <n>              realm option: bytes per second per session
      --total-quota <n>          realm option: allocations in the realm
      --user-quota <n>           realm option: allocations per user
  -x, --key-path <file>          write a new AES-128 key file
  -f, --file-key-path <file>     AES-128 key file used by -E and -v
  -v, --verify <base64>          decrypt and print a password encrypted with -E (give -f first)
  -h, --help                     this help

Examples:

  turnadmin -k -u alice -r example.org -p secret
  turnadmin -a -b /var/lib/turn/turndb -u alice -r example.org -p secret
  turnadmin -l -b /var/lib/turn/turndb -r example.org
  turnadmin -s myrestsecret -b /var/lib/turn/turndb -r example.org
  turnadmin -A -b /var/lib/turn/turndb -u admin -p adminpassword
  turnadmin -P -p clipassword

""";
}
