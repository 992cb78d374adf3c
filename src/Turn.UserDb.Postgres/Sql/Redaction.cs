namespace Turn.UserDb.Sql;

/// <summary>Keeps credentials out of messages: replaces every occurrence of a secret with <c>***</c>.</summary>
internal static class Redaction
{
    public const string Mask = "***";

    /// <summary>
    /// <paramref name="text"/> with each of <paramref name="secrets"/> replaced. Secrets shorter than 3 characters are
    /// masked too (a password is a password), at the price of garbling a message that happens to contain them.
    /// </summary>
    public static string Redact(string text, params string?[] secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string? secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret) && text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>True when the exception, its inner exceptions or their messages and stack text mention a secret.</summary>
    public static bool Mentions(Exception e, params string?[] secrets)
    {
        string all = e.ToString();
        foreach (string? secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret) && all.Contains(secret, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A <see cref="UserDbException"/> for a failure of the database: <paramref name="prefix"/> + the driver's message,
    /// both redacted; the driver's exception is kept as the inner exception only when nothing in it mentions a secret.
    /// </summary>
    public static UserDbException Wrap(string prefix, Exception e, params string?[] secrets)
    {
        string message = Redact(prefix + ": " + Describe(e), secrets);
        return Mentions(e, secrets) ? new UserDbException(message) : new UserDbException(message, e);
    }

    // The driver's message, with the message of the innermost cause when it adds something (a socket error, a timeout).
    private static string Describe(Exception e)
    {
        string text = e.Message.Trim();
        Exception? inner = e.InnerException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        if (inner is not null && !string.IsNullOrWhiteSpace(inner.Message) && !text.Contains(inner.Message.Trim(), StringComparison.Ordinal))
        {
            text += " (" + inner.Message.Trim() + ")";
        }

        return text;
    }
}
