using System.Text;

namespace Turn.Configuration;

/// <summary>Renders the <c>turnserver -h</c> text from <see cref="OptionTable"/>.</summary>
public static class HelpWriter
{
    private const int Width = 100;
    private const int Column = 38;

    /// <summary>The complete help text (ends with a newline).</summary>
    public static string Render()
    {
        var sb = new StringBuilder();
        sb.Append("Usage: turnserver [options]\n");
        sb.Append(FormattableString.Invariant(
            $"{ProductInfo.ProductName} {ProductInfo.Version}: TURN and STUN server, compatible with coturn {ProductInfo.CoturnCompatibleVersion}.\n"));
        sb.Append('\n');
        foreach (var line in Wrap(
                     "Each long option can also be given in the configuration file, without the leading \"--\" "
                     + "(name=value or name value). Switches accept an optional value: --name=no turns one off "
                     + "(on/off, yes/no, true/false, 1/0). Options marked [*] are accepted but not implemented yet "
                     + "in this build. See turnserver(1) for details.", Width))
        {
            sb.Append(line).Append('\n');
        }

        foreach (var group in OptionTable.All.GroupBy(o => o.Section))
        {
            sb.Append('\n').Append(OptionTable.SectionTitle(group.Key)).Append(":\n");
            foreach (var option in group)
            {
                var left = "  " + Signature(option);
                var text = Describe(option, forMan: false);
                var lines = Wrap(text, Width - Column);
                if (left.Length + 1 > Column)
                {
                    sb.Append(left).Append('\n');
                }
                else
                {
                    sb.Append(left.PadRight(Column)).Append(lines[0]).Append('\n');
                    lines.RemoveAt(0);
                }

                foreach (var l in lines)
                {
                    sb.Append(new string(' ', Column)).Append(l).Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>"-p, --listening-port &lt;port&gt;" style synopsis of one option.</summary>
    internal static string Signature(OptionDefinition option)
    {
        var sb = new StringBuilder();
        if (option.ShortName is { } letter)
        {
            sb.Append('-').Append(letter);
            if (option.HasLongName)
            {
                sb.Append(", ");
            }
        }
        else
        {
            sb.Append("    ");
        }

        if (option.HasLongName)
        {
            sb.Append(string.Join(", ", option.LongNames.Select(n => "--" + n)));
        }

        switch (option.Argument)
        {
            case ArgumentKind.Required when option.ArgumentName is not null:
                sb.Append(' ').Append(option.ArgumentName);
                break;
            case ArgumentKind.OptionalInteger:
                sb.Append("[=").Append(option.ArgumentName ?? "<number>").Append(']');
                break;
            case ArgumentKind.OptionalBoolean when option.ShortTakesValue:
                sb.Append(" (-").Append(option.ShortName).Append(" <bool>)");
                break;
        }

        return sb.ToString();
    }

    /// <summary>Help text plus the generated notes (default, repeatable, status).</summary>
    internal static string Describe(OptionDefinition option, bool forMan)
    {
        var sb = new StringBuilder(option.Help);
        if (forMan && option.Details is not null)
        {
            sb.Append(' ').Append(option.Details);
        }

        if (option.Repeatable)
        {
            sb.Append(" Repeatable.");
        }

        if (option.AllowedValues.Count > 0 && option.ArgumentName is not null && !option.ArgumentName.Contains('|', StringComparison.Ordinal))
        {
            sb.Append(" Values: ").Append(string.Join(", ", option.AllowedValues)).Append('.');
        }

        if (option.DefaultText is { } d)
        {
            sb.Append(" Default: ").Append(d).Append('.');
        }

        switch (option.Status)
        {
            case OptionStatus.Deprecated:
                sb.Append(" Deprecated: ").Append(option.StatusNote).Append('.');
                break;
            case OptionStatus.Removed:
                sb.Append(" Ignored: ").Append(option.StatusNote).Append('.');
                break;
        }

        if (option.Since != "4.6.1")
        {
            sb.Append(forMan ? $" (From coturn {option.Since}.)" : $" (coturn {option.Since})");
        }

        if (!option.Implemented)
        {
            sb.Append(forMan ? " Not implemented yet in this build." : " [*]");
        }

        return sb.ToString();
    }

    internal static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > width)
            {
                lines.Add(current.ToString());
                current.Clear();
            }

            if (current.Length > 0)
            {
                current.Append(' ');
            }

            current.Append(word);
        }

        if (current.Length > 0 || lines.Count == 0)
        {
            lines.Add(current.ToString());
        }

        return lines;
    }
}
