using System.Globalization;
using Turn.UserDb;
using Turn.UserDb.MySql;
using Turn.UserDb.Postgres;
using Turn.UserDb.Redis;
using Turn.UserDb.Sqlite;

namespace Turn.AdminTool;

/// <summary>
/// turnadmin: coturn's user-database administration tool, with coturn's commands, options, output formats and exit
/// codes (0 success; 255 wrong usage or input, as coturn's exit(-1); 1 when the database fails).
/// </summary>
public static class TurnAdminCli
{
    /// <summary>Success.</summary>
    public const int ExitOk = 0;

    /// <summary>Database could not be opened, is missing or failed (coturn prints a log line and exits 0 there).</summary>
    public const int ExitDatabase = 1;

    /// <summary>Wrong usage or input (coturn's exit(-1)).</summary>
    public const int ExitUsage = 255;

    private const string Program = "turnadmin";

    /// <summary>Backends turnadmin can open (-b, -e, -M, -N). A kind without a factory here (-J) gets the "not available" error.</summary>
    internal static IReadOnlyList<IUserDatabaseFactory> Factories { get; } =
        [new SqliteUserDatabaseFactory(), new PostgresUserDatabaseFactory(), new MySqlUserDatabaseFactory(), new RedisUserDatabaseFactory()];

    /// <summary>Runs turnadmin with <paramref name="args"/> (without the program name); returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        => RunAsync(args, stdout, stderr, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Run"/>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var session = new Session(stdout, stderr);
        try
        {
            return await session.RunAsync(args, ct).ConfigureAwait(false);
        }
        catch (CliExit exit)
        {
            return exit.Code;
        }
        finally
        {
            await stdout.FlushAsync(ct).ConfigureAwait(false);
            await stderr.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private enum Command
    {
        None,
        PrintKey,
        AddUser,
        DeleteUser,
        ListUsers,
        AddAdmin,
        DeleteAdmin,
        ListAdmins,
        SetSecret,
        ShowSecret,
        DeleteSecret,
        DeleteAllSecrets,
        AddOrigin,
        DeleteOrigin,
        ListOrigins,
        SetRealmOption,
        ListRealmOptions,
    }

    private sealed class CliExit(int code) : Exception
    {
        public int Code { get; } = code;
    }

    private sealed class Session(TextWriter stdout, TextWriter stderr)
    {
        private Command _command;
        private string _user = string.Empty;
        private string _realm = string.Empty;
        private string _password = string.Empty;
        private string _secret = string.Empty;
        private string _origin = string.Empty;
        private ulong? _maxBps;
        private ulong? _totalQuota;
        private ulong? _userQuota;
        private UserDbKind _dbKind = UserDbKind.Sqlite;
        private string? _dbConnection;
        private byte[]? _aesKey;
        private bool _printEncryptedPassword;
        private bool _printAesPassword;

        public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken ct)
        {
            var getopt = new Getopt(Program, args, AdminOptions.ShortSpec, AdminOptions.Longs);
            while (getopt.Next() is { } ev)
            {
                if (ev.Error is not null)
                {
                    stderr.WriteLine(ev.Error);
                    Usage(error: true);
                }

                Apply(ev.Code, ev.Value);
            }

            if (_command == Command.None || getopt.NonOptions.Count != 0)
            {
                Usage(error: true);
            }

            return await ExecuteAsync(ct).ConfigureAwait(false);
        }

        // ------------------------------------------------------------ option by option, in argv order (as coturn)

        private void Apply(int code, string? value)
        {
            string arg = value ?? string.Empty;
            switch (code)
            {
                case 'P':
                    if (_password.Length > 0)
                    {
                        PrintAndExit(AdminPasswordHash.Create(_password));
                    }

                    _printEncryptedPassword = true;
                    break;
                case 'E':
                    _printAesPassword = true;
                    break;
                case 'k':
                    _command = Command.PrintKey;
                    break;
                case 'a':
                    _command = Command.AddUser;
                    break;
                case 'd':
                    _command = Command.DeleteUser;
                    break;
                case 'l':
                    _command = Command.ListUsers;
                    break;
                case 'A':
                    _command = Command.AddAdmin;
                    break;
                case 'D':
                    _command = Command.DeleteAdmin;
                    break;
                case 'L':
                    _command = Command.ListAdmins;
                    break;
                case 's':
                    _command = Command.SetSecret;
                    _secret = arg;
                    break;
                case 'S':
                    _command = Command.ShowSecret;
                    break;
                case 'X':
                    _command = Command.DeleteSecret;
                    _secret = arg;
                    break;
                case AdminOptions.DeleteAllSecrets:
                    _command = Command.DeleteAllSecrets;
                    break;
                case 'O':
                    _command = Command.AddOrigin;
                    break;
                case 'R':
                    _command = Command.DeleteOrigin;
                    break;
                case 'I':
                    _command = Command.ListOrigins;
                    break;
                case 'g':
                    _command = Command.SetRealmOption;
                    break;
                case 'G':
                    _command = Command.ListRealmOptions;
                    break;
                case 'o':
                    _origin = arg;
                    break;
                case AdminOptions.MaxBps:
                    _maxBps = Number("--max-bps", arg, ulong.MaxValue);
                    break;
                case AdminOptions.TotalQuota:
                    _totalQuota = Number("--total-quota", arg, int.MaxValue);
                    break;
                case AdminOptions.UserQuota:
                    _userQuota = Number("--user-quota", arg, int.MaxValue);
                    break;
                case 'b':
                    _dbKind = UserDbKind.Sqlite;
                    _dbConnection = arg;
                    break;
                case 'e':
                    _dbKind = UserDbKind.PostgreSql;
                    _dbConnection = arg;
                    break;
                case 'M':
                    _dbKind = UserDbKind.MySql;
                    _dbConnection = arg;
                    break;
                case 'J':
                    _dbKind = UserDbKind.MongoDb;
                    _dbConnection = arg;
                    break;
                case 'N':
                    _dbKind = UserDbKind.Redis;
                    _dbConnection = arg;
                    break;
                case 'u':
                    if (!AdminInput.IsSecureUserName(arg))
                    {
                        Fail(ExitUsage, "ERROR: Wrong user name structure or symbols, choose another name: " + arg);
                    }

                    if (AdminInput.HasControlCharacter(arg))
                    {
                        Fail(ExitUsage, "ERROR: Wrong user name: " + arg);
                    }

                    if (AdminInput.TooLong(arg, AdminInput.MaxUserBytes))
                    {
                        Fail(ExitUsage, $"{Program}: the user name is longer than {AdminInput.MaxUserBytes} bytes");
                    }

                    _user = arg;
                    break;
                case 'r':
                    if (AdminInput.HasControlCharacter(arg))
                    {
                        Fail(ExitUsage, "ERROR: Wrong realm: " + arg);
                    }

                    if (AdminInput.TooLong(arg, AdminInput.MaxRealmBytes))
                    {
                        Fail(ExitUsage, $"{Program}: the realm is longer than {AdminInput.MaxRealmBytes} bytes");
                    }

                    _realm = arg;
                    break;
                case 'p':
                    if (AdminInput.HasControlCharacter(arg))
                    {
                        Fail(ExitUsage, "ERROR: Wrong password: it contains a control character (the password is not shown)");
                    }

                    if (AdminInput.TooLong(arg, AdminInput.MaxPasswordBytes))
                    {
                        Fail(ExitUsage, $"{Program}: the password is longer than {AdminInput.MaxPasswordBytes} bytes");
                    }

                    _password = arg;
                    if (_printEncryptedPassword)
                    {
                        PrintAndExit(AdminPasswordHash.Create(_password));
                    }

                    if (_printAesPassword)
                    {
                        PrintAndExit(SecretKeyCipher.Encrypt(RequireAesKey("-E/--generate-encrypted-password-aes"), _password));
                    }

                    break;
                case 'x':
                    WriteKeyFile(arg);
                    throw new CliExit(ExitOk);
                case 'f':
                    try
                    {
                        _aesKey = SecretKeyCipher.ReadKeyFile(arg);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                    {
                        Fail(ExitUsage, $"{Program}: cannot read the AES key file {arg}: {e.Message}");
                    }

                    break;
                case 'v':
                    {
                        byte[] key = RequireAesKey("-v/--verify");
                        string plain = string.Empty;
                        try
                        {
                            plain = SecretKeyCipher.Decrypt(key, arg);
                        }
                        catch (FormatException e)
                        {
                            Fail(ExitUsage, $"{Program}: cannot decrypt the value of -v/--verify: {e.Message}");
                        }

                        PrintAndExit(plain);
                        break;
                    }

                case 'h':
                    stdout.Write(AdminUsage.Text);
                    throw new CliExit(ExitOk);
                default:
                    Usage(error: true); // -H, -K, -Y: in coturn's getopt string, but without a meaning
                    break;
            }
        }

        private ulong Number(string option, string text, ulong max)
        {
            if (text.Length == 0 || !text.All(char.IsAsciiDigit)
                || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) || value > max)
            {
                Fail(ExitUsage, $"{Program}: {option} needs a whole number from 0 to {max}, not '{text}'");
            }

            return ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        private byte[] RequireAesKey(string what)
        {
            if (_aesKey is null)
            {
                Fail(ExitUsage, $"{Program}: {what} needs the AES key: give -f/--file-key-path <file> before it (-x/--key-path <file> makes one)");
            }

            return _aesKey!;
        }

        private void WriteKeyFile(string path)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var stream = new FileStream(path, options);
                stream.Write(System.Text.Encoding.ASCII.GetBytes(SecretKeyCipher.GenerateKeyText()));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                Fail(ExitDatabase, $"{Program}: cannot write the key file {path}: {e.Message}");
            }
        }

        // ------------------------------------------------------------ the command

        private async Task<int> ExecuteAsync(CancellationToken ct)
        {
            switch (_command)
            {
                case Command.PrintKey:
                    RequireUser();
                    RequirePassword();
                    CheckBackendAvailable();
                    stdout.WriteLine("0x" + LongTermKey.ComputeMd5Hex(_user, _realm, _password));
                    return ExitOk;

                case Command.AddUser:
                    RequireUser();
                    RequirePassword();
                    RequireRealm();
                    string key = LongTermKey.ComputeMd5Hex(_user, _realm, _password);
                    return await WithDatabaseAsync(true, db => db.SetUserKeyAsync(_user, _realm, key, ct), ct).ConfigureAwait(false);

                case Command.DeleteUser:
                    RequireUser();
                    RequireRealm();
                    return await WithDatabaseAsync(false, db => db.DeleteUserAsync(_user, _realm, ct), ct).ConfigureAwait(false);

                case Command.ListUsers:
                    return await WithDatabaseAsync(
                        false,
                        async db =>
                        {
                            foreach (var (user, realm) in await db.ListUsersAsync(RealmFilter, ct).ConfigureAwait(false))
                            {
                                stdout.WriteLine($"{user}[{realm}]");
                            }
                        },
                        ct).ConfigureAwait(false);

                case Command.AddAdmin:
                    RequireUser();
                    RequirePassword();
                    return await WithDatabaseAsync(
                        true,
                        async db =>
                        {
                            AdminUser? existing = await db.GetAdminUserAsync(_user, ct).ConfigureAwait(false);
                            if (existing is not null && existing.Realm != _realm)
                            {
                                Fail(ExitUsage, $"{Program}: ERROR: the admin user {_user} already exists with realm '{existing.Realm}'. "
                                    + $"Admin names are unique across realms; delete it first (-D -u {_user}) to re-create it with realm '{_realm}'.");
                            }

                            await db.SetAdminUserAsync(_user, _realm, AdminPasswordHash.Create(_password), ct).ConfigureAwait(false);
                        },
                        ct).ConfigureAwait(false);

                case Command.DeleteAdmin:
                    RequireUser();
                    return await WithDatabaseAsync(false, db => db.DeleteAdminUserAsync(_user, ct), ct).ConfigureAwait(false);

                case Command.ListAdmins:
                    return await WithDatabaseAsync(
                        false,
                        async db =>
                        {
                            foreach (AdminUser admin in await db.ListAdminUsersAsync(ct).ConfigureAwait(false))
                            {
                                stdout.WriteLine(admin.Realm.Length > 0 ? $"{admin.Name}[{admin.Realm}]" : admin.Name);
                            }
                        },
                        ct).ConfigureAwait(false);

                case Command.SetSecret:
                    RequireSecret();
                    RequireRealm();
                    return await WithDatabaseAsync(true, db => db.AddSecretAsync(_realm, _secret, ct), ct).ConfigureAwait(false);

                case Command.ShowSecret:
                    return await WithDatabaseAsync(
                        false,
                        async db =>
                        {
                            foreach (var (secret, realm) in await db.ListSecretsAsync(RealmFilter, ct).ConfigureAwait(false))
                            {
                                stdout.WriteLine($"{secret}[{realm}]");
                            }
                        },
                        ct).ConfigureAwait(false);

                case Command.DeleteSecret:
                    RequireSecret();
                    RequireRealm();
                    return await WithDatabaseAsync(false, db => db.DeleteSecretAsync(_realm, _secret, ct), ct).ConfigureAwait(false);

                case Command.DeleteAllSecrets:
                    RequireRealm();
                    return await WithDatabaseAsync(false, db => db.DeleteAllSecretsAsync(_realm, ct), ct).ConfigureAwait(false);

                case Command.AddOrigin:
                    RequireOrigin();
                    RequireRealm();
                    string origin = CoturnOrigin.Canonicalize(_origin);
                    return await WithDatabaseAsync(true, db => db.AddOriginAsync(origin, _realm, ct), ct).ConfigureAwait(false);

                case Command.DeleteOrigin:
                    RequireOrigin();
                    string deleted = CoturnOrigin.Canonicalize(_origin);
                    return await WithDatabaseAsync(false, db => db.DeleteOriginAsync(deleted, ct), ct).ConfigureAwait(false);

                case Command.ListOrigins:
                    return await WithDatabaseAsync(
                        false,
                        async db =>
                        {
                            foreach (var (o, realm) in await db.ListOriginsAsync(RealmFilter, ct).ConfigureAwait(false))
                            {
                                stdout.WriteLine($"{o} ==>> {realm}");
                            }
                        },
                        ct).ConfigureAwait(false);

                case Command.SetRealmOption:
                    RequireRealm();
                    if (_maxBps is null && _totalQuota is null && _userQuota is null)
                    {
                        Fail(ExitUsage, "The operation cannot be completed: a realm option must be set.");
                    }

                    return await WithDatabaseAsync(
                        true,
                        async db =>
                        {
                            // coturn's order: max-bps, user-quota, total-quota.
                            if (_maxBps is { } bps)
                            {
                                await db.SetRealmOptionAsync(_realm, RealmOptionNames.MaxBps, bps, ct).ConfigureAwait(false);
                            }

                            if (_userQuota is { } uq)
                            {
                                await db.SetRealmOptionAsync(_realm, RealmOptionNames.UserQuota, uq, ct).ConfigureAwait(false);
                            }

                            if (_totalQuota is { } tq)
                            {
                                await db.SetRealmOptionAsync(_realm, RealmOptionNames.TotalQuota, tq, ct).ConfigureAwait(false);
                            }
                        },
                        ct).ConfigureAwait(false);

                case Command.ListRealmOptions:
                    return await WithDatabaseAsync(
                        false,
                        async db =>
                        {
                            foreach (var (realm, option, value) in await db.ListRealmOptionsAsync(RealmFilter, ct).ConfigureAwait(false))
                            {
                                stdout.WriteLine($"{option}[{realm}]={value}");
                            }
                        },
                        ct).ConfigureAwait(false);

                default:
                    Usage(error: true);
                    return ExitUsage;
            }
        }

        private string? RealmFilter => _realm.Length > 0 ? _realm : null;

        private void RequireUser()
        {
            if (_user.Length == 0)
            {
                Fail(ExitUsage, "The operation cannot be completed: the user must be set.");
            }
        }

        private void RequirePassword()
        {
            if (_password.Length == 0)
            {
                Fail(ExitUsage, "The operation cannot be completed: the password must be set.");
            }
        }

        private void RequireRealm()
        {
            if (_realm.Length == 0)
            {
                Fail(ExitUsage, "The operation cannot be completed: the realm must be set.");
            }
        }

        private void RequireOrigin()
        {
            if (_origin.Length == 0)
            {
                Fail(ExitUsage, "The operation cannot be completed: the origin must be set.");
            }

            if (AdminInput.TooLong(_origin, AdminInput.MaxOriginBytes))
            {
                Fail(ExitUsage, $"{Program}: the origin is longer than {AdminInput.MaxOriginBytes} bytes");
            }
        }

        private void RequireSecret()
        {
            if (_secret.Length == 0)
            {
                Fail(ExitUsage, "The operation cannot be completed: the secret must be set.");
            }

            if (AdminInput.TooLong(_secret, AdminInput.MaxSecretBytes))
            {
                Fail(ExitUsage, $"{Program}: the secret is longer than {AdminInput.MaxSecretBytes} bytes");
            }
        }

        private IUserDatabaseFactory CheckBackendAvailable()
        {
            IUserDatabaseFactory? factory = Factories.FirstOrDefault(f => f.CanOpen(_dbKind));
            if (factory is not null)
            {
                return factory;
            }

            string message = _dbKind switch
            {
                UserDbKind.MongoDb => "the MongoDB user database (-J/--mongo-userdb) is not available in this build (there is no MongoDB backend)",
                _ => $"the {_dbKind} user database is not available in this build",
            };
            Fail(ExitUsage, $"{Program}: ERROR: {message}; use an SQLite database (-b/--userdb/--db <file>).");
            return null!;
        }

        private Task<int> WithDatabaseAsync(bool mayCreate, Func<IUserDatabase, Task> action, CancellationToken ct)
            => WithDatabaseAsync(mayCreate, async db => { await action(db).ConfigureAwait(false); return true; }, ct);

        private async Task<int> WithDatabaseAsync<T>(bool mayCreate, Func<IUserDatabase, Task<T>> action, CancellationToken ct)
        {
            IUserDatabaseFactory factory = CheckBackendAvailable();
            string connection = _dbConnection ?? SqliteUserDatabaseFactory.ResolveDefaultPath();
            if (_dbKind == UserDbKind.Sqlite)
            {
                string path = SqliteUserDatabaseFactory.NormalizePath(connection);
                if (!mayCreate && !File.Exists(path))
                {
                    Fail(ExitDatabase, $"{Program}: ERROR: the SQLite user database {path} does not exist "
                        + "(-b/--userdb/--db names it; -a, -A, -s, -O and -g create a missing one).");
                }
            }

            IUserDatabase db;
            try
            {
                db = await factory.OpenAsync(connection, ct).ConfigureAwait(false);
            }
            catch (UserDbException e)
            {
                Fail(ExitDatabase, $"{Program}: ERROR: cannot open the user database: {e.Message}");
                return ExitDatabase;
            }

            await using (db.ConfigureAwait(false))
            {
                try
                {
                    await action(db).ConfigureAwait(false);
                }
                catch (UserDbException e)
                {
                    Fail(ExitDatabase, $"{Program}: ERROR: {e.Message}");
                }
            }

            return ExitOk;
        }

        // ------------------------------------------------------------ exits

        private void PrintAndExit(string line)
        {
            stdout.WriteLine(line);
            throw new CliExit(ExitOk);
        }

        private void Usage(bool error)
        {
            (error ? stderr : stdout).Write(AdminUsage.Text);
            throw new CliExit(error ? ExitUsage : ExitOk);
        }

        private void Fail(int code, string message)
        {
            stderr.WriteLine(message);
            throw new CliExit(code);
        }
    }
}
