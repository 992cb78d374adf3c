using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Turn.Client.Turn;

/// <summary>
/// Long-term credentials (RFC 8489 §9.2): a user name and its password. The realm and nonce come from the
/// server's 401 challenge (see <see cref="TurnAuthenticator"/>).
/// </summary>
public sealed record TurnCredentials
{
    /// <summary>Creates credentials from a user name and password.</summary>
    public TurnCredentials(string username, string password)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(password);
        Username = username;
        Password = password;
    }

    /// <summary>The USERNAME sent to the server.</summary>
    public string Username { get; }

    /// <summary>The password the key is derived from (never sent).</summary>
    public string Password { get; }

    /// <summary>
    /// Time-limited credentials of the "TURN REST API" (draft-uberti-behave-turn-rest, coturn's
    /// <c>use-auth-secret</c>): the user name is <c>expiry[separator user]</c> with expiry in Unix seconds, the
    /// password is base64(HMAC-SHA1(secret, user name)). coturn's clients use one day of validity.
    /// </summary>
    /// <param name="secret">The shared secret (coturn's <c>static-auth-secret</c>).</param>
    /// <param name="user">The user part; null or empty gives a user name that is only the timestamp.</param>
    /// <param name="separator">Between timestamp and user (coturn's <c>rest-api-separator</c>, default ':').</param>
    /// <param name="validity">How long the credentials stay valid (default one day).</param>
    /// <param name="now">The current time (default: the system clock).</param>
    public static TurnCredentials FromRestSecret(string secret, string? user, char separator = ':', TimeSpan? validity = null, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        long expiry = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds() + (long)(validity ?? TimeSpan.FromDays(1)).TotalSeconds;
        string stamp = expiry.ToString(CultureInfo.InvariantCulture);
        string username = string.IsNullOrEmpty(user) ? stamp : stamp + separator + user;
        return new TurnCredentials(username, RestPassword(secret, username));
    }

    /// <summary>The REST API password of <paramref name="username"/>: base64(HMAC-SHA1(secret, username)).</summary>
    public static string RestPassword(string secret, string username)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(username);
        byte[] mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
        return Convert.ToBase64String(mac);
    }

    /// <summary>The user name only; the password stays out of logs.</summary>
    public override string ToString() => $"TurnCredentials {{ Username = {Username} }}";
}
