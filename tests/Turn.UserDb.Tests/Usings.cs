global using Xunit;

// The tests run coturn's Debian binaries and use Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
