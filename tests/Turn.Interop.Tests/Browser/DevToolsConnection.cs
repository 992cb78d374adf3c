using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Turn.Interop.Tests.Browser;

/// <summary>
/// A minimal Chrome DevTools protocol client over one browser-level WebSocket: commands are JSON
/// objects {id, method, params, sessionId?}, answered by {id, result} or {id, error}; events are
/// {method, params, sessionId?}. Pages are reached through flattened target sessions.
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly List<EventWaiter> _eventWaiters = [];
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiveLoop;
    private int _lastId;

    private DevToolsConnection(ClientWebSocket socket)
    {
        _socket = socket;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new DevToolsConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a command and returns its result; a DevTools error becomes an exception naming the command.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters, string? sessionId, CancellationToken cancellationToken)
    {
        int id = Interlocked.Increment(ref _lastId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            var message = new Dictionary<string, object?> { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new { } };
            if (sessionId is not null)
            {
                message["sessionId"] = sessionId;
            }

            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(message);
            await _sendLock.WaitAsync(cancellationToken);
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            finally
            {
                _sendLock.Release();
            }

            JsonElement response = await answer.Task.WaitAsync(cancellationToken);
            if (response.TryGetProperty("error", out JsonElement error))
            {
                throw new InvalidOperationException($"DevTools {method} failed: {error.GetRawText()}");
            }

            return response.GetProperty("result");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// The next event with this method (and session); call before the command that causes it, then
    /// await the task (with WaitAsync for a bound).
    /// </summary>
    public Task<JsonElement> NextEvent(string method, string? sessionId)
    {
        var waiter = new EventWaiter(method, sessionId, new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_eventWaiters)
        {
            _eventWaiters.Add(waiter);
        }

        return waiter.Event.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, bound.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Abort();
        await _receiveLoop;
        _socket.Dispose();
        _closing.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        Exception? failure = null;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult received = await _socket.ReceiveAsync(buffer.AsMemory(), _closing.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    failure = new InvalidOperationException($"DevTools closed the connection: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                Dispatch(message.GetBuffer().AsMemory(0, (int)message.Length));
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException)
        {
            failure = new InvalidOperationException("DevTools connection lost: " + e.Message, e);
        }

        failure ??= new InvalidOperationException("DevTools connection ended");

        foreach (TaskCompletionSource<JsonElement> answer in _pending.Values)
        {
            answer.TrySetException(failure);
        }

        lock (_eventWaiters)
        {
            foreach (EventWaiter waiter in _eventWaiters)
            {
                waiter.Event.TrySetException(failure);
            }

            _eventWaiters.Clear();
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement.Clone();
        if (root.TryGetProperty("id", out JsonElement id))
        {
            if (_pending.TryGetValue(id.GetInt32(), out TaskCompletionSource<JsonElement>? answer))
            {
                answer.TrySetResult(root);
            }

            return;
        }

        if (!root.TryGetProperty("method", out JsonElement method))
        {
            return;
        }

        string? sessionId = root.TryGetProperty("sessionId", out JsonElement s) ? s.GetString() : null;
        lock (_eventWaiters)
        {
            int index = _eventWaiters.FindIndex(w => w.Method == method.GetString() && w.SessionId == sessionId);
            if (index >= 0)
            {
                EventWaiter waiter = _eventWaiters[index];
                _eventWaiters.RemoveAt(index);
                waiter.Event.TrySetResult(root.TryGetProperty("params", out JsonElement p) ? p : default);
            }
        }
    }

    private sealed record EventWaiter(string Method, string? SessionId, TaskCompletionSource<JsonElement> Event);

    /// <summary>Text of a Runtime.evaluate exception, for failure messages.</summary>
    public static string DescribeException(JsonElement exceptionDetails)
    {
        var text = new StringBuilder(exceptionDetails.TryGetProperty("text", out JsonElement t) ? t.GetString() : "exception");
        if (exceptionDetails.TryGetProperty("exception", out JsonElement e) && e.TryGetProperty("description", out JsonElement d))
        {
            text.Append(": ").Append(d.GetString());
        }

        return text.ToString();
    }
}
