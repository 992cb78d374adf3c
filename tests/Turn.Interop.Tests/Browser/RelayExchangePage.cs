using System.Text.Json;
using System.Text.Json.Nodes;

namespace Turn.Interop.Tests.Browser;

/// <summary>
/// Loads relay-exchange.html (an embedded resource, written next to the browser's profile and
/// opened from file://) in a new tab and runs its runExchange through Runtime.evaluate.
/// </summary>
/// <remarks>
/// RTCPeerConnection needs no secure context (only getUserMedia and friends do), and a file://
/// page may create one: no HTTP server is needed.
/// </remarks>
internal static class RelayExchangePage
{
    private const string ResourceName = "relay-exchange.html";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<RelayExchangeResult> RunAsync(HeadlessChromium browser, string directory, ExchangeSpec spec, CancellationToken cancellationToken)
    {
        string page = Path.Combine(directory, ResourceName);
        using (Stream resource = typeof(RelayExchangePage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing"))
        using (FileStream file = File.Create(page))
        {
            await resource.CopyToAsync(file, cancellationToken);
        }

        await using DevToolsConnection devTools = await DevToolsConnection.ConnectAsync(browser.BrowserEndpoint, cancellationToken);
        string targetId = (await devTools.SendAsync("Target.createTarget", new { url = "about:blank" }, null, cancellationToken))
            .GetProperty("targetId").GetString()!;
        string session = (await devTools.SendAsync("Target.attachToTarget", new { targetId, flatten = true }, null, cancellationToken))
            .GetProperty("sessionId").GetString()!;

        await devTools.SendAsync("Page.enable", null, session, cancellationToken);
        Task<JsonElement> loaded = devTools.NextEvent("Page.loadEventFired", session);
        JsonElement navigated = await devTools.SendAsync("Page.navigate", new { url = new Uri(page).AbsoluteUri }, session, cancellationToken);
        if (navigated.TryGetProperty("errorText", out JsonElement navigationError))
        {
            throw new InvalidOperationException($"loading {page} failed: {navigationError.GetString()}");
        }

        await loaded.WaitAsync(cancellationToken);

        JsonElement evaluated = await devTools.SendAsync(
            "Runtime.evaluate",
            new { expression = $"runExchange({JsonSerializer.Serialize(spec, Json)})", awaitPromise = true, returnByValue = true },
            session,
            cancellationToken);
        if (evaluated.TryGetProperty("exceptionDetails", out JsonElement exception))
        {
            throw new InvalidOperationException("runExchange threw: " + DevToolsConnection.DescribeException(exception));
        }

        JsonElement value = evaluated.GetProperty("result").GetProperty("value");
        RelayExchangeResult result = value.Deserialize<RelayExchangeResult>(Json)
            ?? throw new InvalidOperationException("runExchange returned nothing");
        return result with { Raw = Summarize(value) };
    }

    /// <summary>The answer as JSON for failure messages, with the received messages replaced by their count.</summary>
    private static string Summarize(JsonElement value)
    {
        var node = JsonNode.Parse(value.GetRawText())!.AsObject();
        foreach (string key in new[] { "receivedByA", "receivedByB" })
        {
            if (node[key] is JsonArray received)
            {
                node[key] = $"{received.Count} messages";
            }
        }

        return node.ToJsonString();
    }
}

/// <summary>What runExchange is asked to do: the TURN server to use, and the messages each peer sends.</summary>
internal sealed record ExchangeSpec(IceServer IceServer, string[] FromA, string[] FromB, int TimeoutMs);

/// <summary>One RTCIceServer entry (W3C webrtc-pc RTCIceServer).</summary>
internal sealed record IceServer(string Urls, string Username, string Credential);

/// <summary>runExchange's answer; Raw is its JSON (messages counted, not listed), for failure messages.</summary>
internal sealed record RelayExchangeResult(
    bool Ok, string? Error, SelectedPair? A, SelectedPair? B, string[]? ReceivedByA, string[]? ReceivedByB, string[]? Log)
{
    public string Raw { get; init; } = "";
}

/// <summary>The selected ICE candidate pair of a peer, from getStats (W3C webrtc-stats RTCIceCandidatePairStats).</summary>
internal sealed record SelectedPair(string State, long BytesSent, long BytesReceived, CandidateInfo Local, CandidateInfo Remote);

/// <summary>RTCIceCandidateStats: candidateType host/srflx/prflx/relay; relayProtocol udp/tcp/tls for local relay candidates.</summary>
internal sealed record CandidateInfo(string CandidateType, string? RelayProtocol, string Address, int Port, string? Url);
