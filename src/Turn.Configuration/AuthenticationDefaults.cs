namespace Turn.Configuration;

/// <summary>
/// Decides whether long-term credentials are on when the configuration does not say, so that authentication can
/// never be switched off by accident: only an explicit <c>no-auth</c> makes an open relay.
/// </summary>
/// <remarks>
/// coturn 4.6.1 turns lt-cred-mech on when user accounts are given without it (with the alert reproduced here), but
/// otherwise runs an anonymous relay. Here a user database, or nothing at all, turns it on too: a server started with
/// no credential option answers Allocates with 401 until users or secrets exist. <c>no-auth</c> restores the open
/// relay, and the daemon then warns at start-up and in its systemd status.
/// </remarks>
internal static class AuthenticationDefaults
{
    /// <summary>Applies the rules to <paramref name="c"/>, adding the alerts to <paramref name="warnings"/>.</summary>
    /// <param name="c">The configuration, after every value was applied.</param>
    /// <param name="warnings">Start-up warnings.</param>
    /// <param name="inconsistent">Builds the error for two options that cannot be used together.</param>
    public static void Apply(TurnServerConfig c, List<string> warnings, Func<string, string, ConfigException> inconsistent)
    {
        if (c.NoAuth)
        {
            // coturn: "-a and -z options cannot be used together" (use-auth-secret is a long-term mechanism too).
            foreach (string option in new[] { "lt-cred-mech", "use-auth-secret", "oauth" })
            {
                if (IsOn(c, option))
                {
                    throw inconsistent("no-auth",
                        $"{option} ({ConfigValidator.Where(c, option)}) and no-auth ({ConfigValidator.Where(c, "no-auth")}) cannot be used together");
                }
            }

            if (c.Users.Count > 0)
            {
                warnings.Add("you specified long-term user accounts (user=...) but also no-auth (anonymous access): "
                             + "the user accounts are ignored and anyone may allocate a relay");
            }

            return;
        }

        if (c.LtCredMech || c.UseAuthSecret || c.OAuth)
        {
            return;
        }

        c.LtCredMech = true;
        if (c.Users.Count > 0)
        {
            warnings.Add("CONFIGURATION ALERT: you specified long-term user accounts (-u option) but you did not specify "
                         + "the long-term credentials option (-a or --lt-cred-mech option). I am turning --lt-cred-mech ON "
                         + "for you, but double-check your configuration.");
        }
        else if (c.UserDbType != UserDbType.None)
        {
            warnings.Add("CONFIGURATION ALERT: you specified a user database but not the long-term credentials option "
                         + "(-a or --lt-cred-mech option). I am turning --lt-cred-mech ON for you, but double-check your "
                         + "configuration.");
        }

        // Neither: long-term credentials without a word here; the daemon says at start-up that no user can
        // authenticate yet.
    }

    private static bool IsOn(TurnServerConfig c, string option) => option switch
    {
        "lt-cred-mech" => c.LtCredMech,
        "use-auth-secret" => c.UseAuthSecret,
        _ => c.OAuth,
    };
}
