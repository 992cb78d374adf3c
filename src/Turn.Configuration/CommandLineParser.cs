namespace Turn.Configuration;

/// <summary>One option occurrence on the command line.</summary>
internal sealed record CliItem(OptionDefinition Option, string? Value, string Written);

/// <summary>getopt_long-style tokenizer for coturn's option table (permuting: non-options are skipped).</summary>
internal static class CommandLineParser
{
    public static List<CliItem> Parse(IReadOnlyList<string> args, List<string> warnings)
    {
        var items = new List<CliItem>();
        CliItem? previousOptionalLong = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                for (var j = i + 1; j < args.Count; j++)
                {
                    warnings.Add($"command line: ignoring argument '{args[j]}' (not an option)");
                }

                break;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? arg[2..] : arg[2..eq];
                string? inline = eq < 0 ? null : arg[(eq + 1)..];
                var option = FindLongOrPrefix(name, "--" + name);
                string? value;
                switch (option.Argument)
                {
                    case ArgumentKind.None:
                        if (inline is not null)
                        {
                            throw new ConfigException(ConfigErrorKind.InvalidValue,
                                $"command line: option '--{option.Name}' does not take a value (got '{arg}')",
                                option.Name, inline);
                        }

                        value = null;
                        break;
                    case ArgumentKind.Required:
                        if (inline is not null)
                        {
                            value = inline;
                        }
                        else if (i + 1 < args.Count)
                        {
                            value = args[++i];
                        }
                        else
                        {
                            throw new ConfigException(ConfigErrorKind.MissingValue,
                                $"command line: option '--{option.Name}' requires a value", option.Name);
                        }

                        break;
                    default:
                        value = inline;
                        break;
                }

                var item = new CliItem(option, value, "--" + option.Name);
                items.Add(item);
                previousOptionalLong = inline is null && option.Argument is ArgumentKind.OptionalBoolean or ArgumentKind.OptionalInteger
                    ? item
                    : null;
                continue;
            }

            if (arg.Length > 1 && arg[0] == '-')
            {
                previousOptionalLong = null;
                for (var k = 1; k < arg.Length; k++)
                {
                    var letter = arg[k];
                    var option = OptionTable.FindShort(letter) ?? throw new ConfigException(ConfigErrorKind.UnknownOption,
                        $"command line: unknown option '-{letter}'" + (arg.Length > 2 ? $" (in '{arg}')" : string.Empty)
                        + "; run 'turnserver -h' for the list of options", "-" + letter);
                    if (!option.ShortTakesValue)
                    {
                        items.Add(new CliItem(option, null, "-" + letter));
                        continue;
                    }

                    string value;
                    if (k + 1 < arg.Length)
                    {
                        value = arg[(k + 1)..];
                    }
                    else if (i + 1 < args.Count)
                    {
                        value = args[++i];
                    }
                    else
                    {
                        throw new ConfigException(ConfigErrorKind.MissingValue,
                            $"command line: option '-{letter}' ({option.DisplayName}) requires a value", option.Name);
                    }

                    if (value.StartsWith('='))
                    {
                        warnings.Add($"command line: option '-{letter}' is possibly used incorrectly: short options take "
                                     + $"their value as '-{letter} <value>', without '=' (value used: '{value}')");
                    }

                    items.Add(new CliItem(option, value, "-" + letter));
                    break;
                }

                continue;
            }

            var hint = previousOptionalLong is null
                ? string.Empty
                : $"; note that {previousOptionalLong.Written} takes a value only as {previousOptionalLong.Written}={arg}";
            warnings.Add($"command line: ignoring argument '{arg}' (not an option){hint}");
            previousOptionalLong = null;
        }

        return items;
    }

    private static OptionDefinition FindLongOrPrefix(string name, string written)
    {
        if (name.Length > 0)
        {
            var exact = OptionTable.FindLong(name);
            if (exact is not null)
            {
                return exact;
            }

            var candidates = OptionTable.LongNames
                .Where(n => n.StartsWith(name, StringComparison.Ordinal))
                .Select(n => OptionTable.FindLong(n)!)
                .Distinct()
                .ToList();
            if (candidates.Count == 1)
            {
                return candidates[0];
            }

            if (candidates.Count > 1)
            {
                throw new ConfigException(ConfigErrorKind.UnknownOption,
                    $"command line: option '{written}' is ambiguous; possibilities: "
                    + string.Join(' ', candidates.Select(c => c.DisplayName).Order(StringComparer.Ordinal)),
                    written);
            }
        }

        var help = name == "help" ? " (use -h for help)" : "; run 'turnserver -h' for the list of options";
        throw new ConfigException(ConfigErrorKind.UnknownOption, $"command line: unknown option '{written}'{help}", written);
    }
}
