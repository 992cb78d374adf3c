namespace Turn.Configuration;

/// <summary>
/// Builds a <see cref="TurnServerConfig"/> from argv and the configuration file, in coturn's order: pre-pass (-h,
/// --version, -c, -n), logging options from the file, the other file options, the command line (overrides /
/// accumulates), then the <c>user</c> entries (file, then command line), then cross-checks.
/// </summary>
public static class TurnServerConfigLoader
{
    /// <summary>Loads with the real environment. <paramref name="args"/> is argv without the program name.</summary>
    public static ConfigLoadResult Load(string[] args) => Load(args, new ConfigLoadSettings());

    /// <summary>Loads with the given environment hooks. Throws <see cref="ConfigException"/> on any fatal problem.</summary>
    public static ConfigLoadResult Load(string[] args, ConfigLoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(settings);

        // Pre-pass exactly as coturn: a literal "-h" or "--version" anywhere wins before anything is validated.
        foreach (var arg in args)
        {
            if (arg == "-h")
            {
                return new ConfigLoadResult(new TurnServerConfig(), [], showHelp: true, showVersion: false);
            }

            if (arg == "--version")
            {
                return new ConfigLoadResult(new TurnServerConfig(), [], showHelp: false, showVersion: true);
            }
        }

        var session = new LoadSession(settings);
        return session.Run(args);
    }

    private sealed class LoadSession(ConfigLoadSettings settings)
    {
        private readonly List<string> warnings = [];
        private readonly HashSet<OptionDefinition> statusWarned = [];
        private readonly TurnServerConfig config = new();
        private ApplyContext? context;

        public ConfigLoadResult Run(string[] args)
        {
            context = new ApplyContext(settings.Resolve, warnings.Add);
            var cli = CommandLineParser.Parse(args, warnings);
            if (cli.Any(i => i.Option.Name == "h" && !i.Option.HasLongName))
            {
                return new ConfigLoadResult(new TurnServerConfig(), warnings, showHelp: true, showVersion: false);
            }

            if (cli.Any(i => i.Option.Name == "version"))
            {
                return new ConfigLoadResult(new TurnServerConfig(), warnings, showHelp: false, showVersion: true);
            }

            var noConfig = cli.Any(IsShort('n'));
            var configName = cli.LastOrDefault(IsShort('c'))?.Value ?? settings.DefaultConfigFileName;
            config.NoConfigFile = noConfig;

            var fileItems = new List<FileItem>();
            if (!noConfig)
            {
                var path = settings.FindFile(configName);
                if (path is null)
                {
                    warnings.Add($"cannot find config file '{configName}' (searched: "
                                 + string.Join(", ", settings.EffectiveSearchDirectories)
                                 + "); using defaults and command-line settings");
                }
                else
                {
                    IReadOnlyList<string> lines;
                    try
                    {
                        lines = settings.ReadLines(path);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new ConfigException(ConfigErrorKind.ConfigFileUnreadable,
                            $"cannot read config file '{path}': {e.Message}", "c", path, path, inner: e);
                    }

                    config.ConfigFile = path;
                    fileItems = ConfigFileParser.Parse(path, lines, warnings);
                }
            }

            // Pass 0: logging options from the file.
            foreach (var item in fileItems.Where(i => i.Option.IsEarlyPass))
            {
                ApplyFile(item);
            }

            // Pass 1: everything else from the file except users.
            foreach (var item in fileItems.Where(i => !i.Option.IsEarlyPass && !IsUser(i.Option)))
            {
                ApplyFile(item);
            }

            // Command line: overrides single-valued options, accumulates repeatable ones.
            foreach (var item in cli.Where(i => !IsUser(i.Option)))
            {
                ApplyCli(item);
            }

            // Pass 2: users, once the realm is final.
            foreach (var item in fileItems.Where(i => IsUser(i.Option)))
            {
                ApplyFile(item);
            }

            foreach (var item in cli.Where(i => IsUser(i.Option)))
            {
                ApplyCli(item);
            }

            ConfigValidator.Validate(config, settings, warnings);
            return new ConfigLoadResult(config, warnings, showHelp: false, showVersion: false);
        }

        private static Func<CliItem, bool> IsShort(char letter) =>
            i => !i.Option.HasLongName && i.Option.Name[0] == letter;

        private static bool IsUser(OptionDefinition option) => option.Name == "user";

        /// <summary>False for a switch set to off (<c>secure-stun=0</c>), which asks for nothing.</summary>
        private static bool Enables(OptionDefinition option, string? value) =>
            option.Argument is not (ArgumentKind.None or ArgumentKind.OptionalBoolean)
            || !CoturnBoolean.TryParse(value, out bool on) || on;

        private void ApplyFile(FileItem item)
        {
            var option = item.Option;
            var value = item.Value;
            if (item.EndsWithSemicolon)
            {
                if (value.EndsWith(';') && option.ValueKind is not (ValueKind.String or ValueKind.File or ValueKind.User))
                {
                    value = value[..^1].TrimEnd();
                    warnings.Add($"{item.Location}: line ends with ';' (configuration lines need no terminator); the ';' is ignored");
                }
                else if (value.EndsWith(';'))
                {
                    warnings.Add($"{item.Location}: line ends with ';' (configuration lines need no terminator); "
                                 + "it is kept as part of the value");
                }
                else
                {
                    warnings.Add($"{item.Location}: line ends with ';' (configuration lines need no terminator)");
                }
            }

            if (!option.HasLongName || option.Name == "version")
            {
                warnings.Add($"{item.Location}: option '{option.Name}' has no effect in a configuration file; line ignored");
                return;
            }

            Apply(option, value, item.Location, $"{item.Location}: option '{option.Name}'", item.File, item.Line);
        }

        private void ApplyCli(CliItem item)
        {
            var option = item.Option;
            if (option.Apply is null)
            {
                return; // -c, -n, -h, --version: handled before
            }

            var display = item.Written == option.DisplayName
                ? $"option '{item.Written}'"
                : $"option '{item.Written}' ({option.DisplayName})";
            Apply(option, item.Value, "command line", $"command line: {display}", null, null);
        }

        private void Apply(OptionDefinition option, string? value, string source, string prefix, string? file, int? line)
        {
            if (statusWarned.Add(option))
            {
                if (option.Status == OptionStatus.Deprecated)
                {
                    warnings.Add($"{source}: option '{option.Name}' is deprecated: {option.StatusNote}"
                                 + (option.Implemented ? string.Empty : "; it is also not implemented in this build yet and has no effect"));
                }
                else if (option.Status == OptionStatus.Removed)
                {
                    warnings.Add($"{source}: option '{option.Name}' is obsolete and ignored: {option.StatusNote}");
                }
                else if (!option.Implemented && option.SecurityRelevant && Enables(option, value))
                {
                    throw new ConfigException(ConfigErrorKind.InvalidValue,
                        $"{prefix}: not implemented in this build yet, and running without it would be less safe than "
                        + "this configuration asks; remove it (or set it to 0) to start",
                        option.Name, option.Displayable(value), file, line);
                }
                else if (!option.Implemented)
                {
                    warnings.Add($"{source}: option '{option.Name}' is not implemented in this build yet; "
                                 + "it is accepted but has no effect");
                }
            }

            try
            {
                option.Apply!(config, value, context!);
            }
            catch (OptionValueException e)
            {
                string? shown = option.Displayable(value);
                var message = e.Kind == ConfigErrorKind.MissingValue
                    ? $"{prefix} requires a value"
                    : $"{prefix}: invalid value '{shown}': {(shown == value ? e.Message : option.Displayable(e.Message))}";
                if (file is not null && value is not null && value.Contains(" #", StringComparison.Ordinal))
                {
                    message += " (a '#' starts a comment only at the beginning of a line)";
                }

                throw new ConfigException(e.Kind, message, option.Name, shown, file, line, shown == value ? e : null);
            }

            config.RecordSource(option.Name, source);
        }
    }
}
