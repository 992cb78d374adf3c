using System.Globalization;
using System.Runtime.InteropServices;
using Turn.Configuration;

namespace Turn.Daemon;

/// <summary>
/// --proc-user / --proc-group: after the listeners are bound (ports below 1024 need root) the process gives up root:
/// supplementary groups cleared, then setgid, then setuid (in that order: after setuid it could no longer change its
/// groups). Any failure is fatal: a server told to stop being root must not carry on as root.
/// </summary>
/// <remarks>
/// With only proc-user, the user's primary group is taken too (coturn keeps root's group then; nothing needs it).
/// Files opened before the drop (log file, listeners, database connections) stay usable; files opened later
/// (a TLS certificate reloaded on SIGUSR2, a new SQLite connection, a log reopened on SIGHUP) must be readable by
/// that user, as with coturn.
/// </remarks>
internal static class PrivilegeDrop
{
    // struct passwd on Linux (glibc, 64-bit): char* pw_name, char* pw_passwd, uid_t pw_uid, gid_t pw_gid, ...
    private const int PasswdUidOffset = 16;
    private const int PasswdGidOffset = 20;

    // struct group: char* gr_name, char* gr_passwd, gid_t gr_gid, char** gr_mem.
    private const int GroupGidOffset = 16;

    /// <summary>Whether the configuration asks for a drop at all.</summary>
    public static bool Requested(TurnServerConfig c) => !string.IsNullOrEmpty(c.ProcUser) || !string.IsNullOrEmpty(c.ProcGroup);

    /// <summary>Resolves the names before anything is bound, so a typo fails fast.</summary>
    /// <exception cref="ConfigException">An unknown user or group.</exception>
    public static Identity Resolve(TurnServerConfig c)
    {
        uint? uid = null;
        uint? gid = null;
        if (!string.IsNullOrEmpty(c.ProcUser))
        {
            (uint u, uint primary) = LookUpUser(c.ProcUser)
                ?? throw Unknown(c, "proc-user", c.ProcUser, "user");
            uid = u;
            gid = primary;
        }

        if (!string.IsNullOrEmpty(c.ProcGroup))
        {
            gid = LookUpGroup(c.ProcGroup) ?? throw Unknown(c, "proc-group", c.ProcGroup, "group");
        }

        return new Identity(c.ProcUser, uid, gid);
    }

    /// <summary>Clears supplementary groups, then sets the group, then the user.</summary>
    /// <returns>null when done; else what failed (the caller stops the server).</returns>
    public static string? Apply(Identity who)
    {
        if (who.Gid is uint gid)
        {
            // setgroups needs root; a non-root process has none it could drop to matter here beyond its own.
            if (NativeMethods.setgroups(0, IntPtr.Zero) != 0 && NativeMethods.geteuid() == 0)
            {
                return $"setgroups: {Marshal.GetLastPInvokeErrorMessage()}";
            }

            if (NativeMethods.setgid(gid) != 0)
            {
                return $"setgid({gid}): {Marshal.GetLastPInvokeErrorMessage()}";
            }
        }

        if (who.Uid is uint uid)
        {
            if (NativeMethods.setuid(uid) != 0)
            {
                return $"setuid({uid}): {Marshal.GetLastPInvokeErrorMessage()}";
            }

            // A process that was root must not be able to get it back.
            if (uid != 0 && NativeMethods.setuid(0) == 0)
            {
                return "setuid: root could be regained after the switch";
            }
        }

        return null;
    }

    private static (uint Uid, uint Gid)? LookUpUser(string name)
    {
        IntPtr pw = NativeMethods.getpwnam(name);
        if (pw == IntPtr.Zero && uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
        {
            pw = NativeMethods.getpwuid(uid);
        }

        return pw == IntPtr.Zero
            ? null
            : ((uint)Marshal.ReadInt32(pw, PasswdUidOffset), (uint)Marshal.ReadInt32(pw, PasswdGidOffset));
    }

    private static uint? LookUpGroup(string name)
    {
        IntPtr gr = NativeMethods.getgrnam(name);
        if (gr == IntPtr.Zero && uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
        {
            gr = NativeMethods.getgrgid(gid);
        }

        return gr == IntPtr.Zero ? null : (uint)Marshal.ReadInt32(gr, GroupGidOffset);
    }

    private static ConfigException Unknown(TurnServerConfig c, string option, string value, string what)
    {
        string? source = c.GetSource(option);
        return new ConfigException(
            ConfigErrorKind.InvalidValue,
            $"{source ?? "command line"}: option '{option}': value '{value}': no such {what} on this system",
            option,
            value);
    }

    /// <summary>Who to become: null parts stay as they are.</summary>
    public readonly record struct Identity(string? User, uint? Uid, uint? Gid)
    {
        public override string ToString() => $"uid {(Uid?.ToString(CultureInfo.InvariantCulture) ?? "unchanged")}, gid {(Gid?.ToString(CultureInfo.InvariantCulture) ?? "unchanged")}";
    }
}
