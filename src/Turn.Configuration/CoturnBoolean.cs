namespace Turn.Configuration;

/// <summary>coturn's boolean value syntax (get_bool_value in mainrelay.c).</summary>
public static class CoturnBoolean
{
    /// <summary>
    /// Parses a flag value: missing/empty → true; first character 0, n, N, f, F → false; y, Y, t, T, 1-9 → true;
    /// "on"/"ON"/"On" → true; "off"/"OFF"/"Off" → false. Anything else fails.
    /// </summary>
    public static bool TryParse(string? value, out bool result)
    {
        result = true;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        var c = value[0];
        if (c is '0' or 'n' or 'N' or 'f' or 'F')
        {
            result = false;
            return true;
        }

        if (c is 'y' or 'Y' or 't' or 'T' or (> '0' and <= '9'))
        {
            return true;
        }

        switch (value)
        {
            case "off" or "OFF" or "Off":
                result = false;
                return true;
            case "on" or "ON" or "On":
                return true;
            default:
                result = false;
                return false;
        }
    }
}
