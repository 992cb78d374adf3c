using System.Collections;
using System.Reflection;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Crypto.Tls;
using Org.BouncyCastle.Security;

namespace Turn.Server.Dtls.Bc;

/// <summary>
/// The non-public members of BouncyCastle.NetCore 1.8.5's DTLS server that
/// <see cref="CookieVerifiedServerProtocol"/> drives. BC 1.8.5 cannot itself continue a handshake
/// whose ClientHello was cookie-checked elsewhere: <c>DtlsServerProtocol.Accept</c> builds its
/// handshake sequencer (<c>DtlsReliableHandshake</c>, internal) with message_seq counters fixed at 0,
/// while a client answering a HelloVerifyRequest sends its ClientHello with message_seq 1 and
/// expects the ServerHello at 1 (RFC 6347 §4.2.2), and both sides hash those numbers into the
/// Finished messages (§4.2.6). So the sequencer is created here and its two counters set.
/// <para>
/// Everything is looked up once; <see cref="Verify"/> runs at startup so a different BC build
/// fails the start with a clear message instead of failing handshakes. Used only while
/// handshaking (a few dozen calls per handshake), never on the relay path. The version is pinned
/// in Directory.Packages.props.
/// </para>
/// </summary>
internal static class BcInternals
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
    private const BindingFlags Static = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

    private static readonly Assembly Bc = typeof(DtlsServerProtocol).Assembly;
    private static readonly Type HandshakeType = Type("Org.BouncyCastle.Crypto.Tls.DtlsReliableHandshake");
    private static readonly Type MessageType = Type("Org.BouncyCastle.Crypto.Tls.DtlsReliableHandshake+Message");
    private static readonly Type RecordLayerType = Type("Org.BouncyCastle.Crypto.Tls.DtlsRecordLayer");
    private static readonly Type ServerContextType = Type("Org.BouncyCastle.Crypto.Tls.TlsServerContextImpl");
    private static readonly Type StateType = Type("Org.BouncyCastle.Crypto.Tls.DtlsServerProtocol+ServerHandshakeState");

    private static readonly ConstructorInfo NewServerContext = Ctor(ServerContextType, typeof(SecureRandom), typeof(SecurityParameters));
    private static readonly ConstructorInfo NewRecordLayer = Ctor(RecordLayerType, typeof(DatagramTransport), typeof(TlsContext), typeof(TlsPeer), typeof(byte));
    private static readonly ConstructorInfo NewHandshake = Ctor(HandshakeType, typeof(TlsContext), RecordLayerType);

    private static readonly FieldInfo SendSeq = Field(HandshakeType, "mMessageSeq");
    private static readonly FieldInfo ReceiveSeq = Field(HandshakeType, "mNextReceiveSeq");
    private static readonly MethodInfo ReceiveMessage = Method(HandshakeType, "ReceiveMessage");
    private static readonly MethodInfo SendMessage = Method(HandshakeType, "SendMessage", typeof(byte), typeof(byte[]));
    private static readonly MethodInfo NotifyHelloComplete = Method(HandshakeType, "NotifyHelloComplete");
    private static readonly MethodInfo PrepareToFinish = Method(HandshakeType, "PrepareToFinish");
    private static readonly PropertyInfo HandshakeHash = Property(HandshakeType, "HandshakeHash");
    private static readonly PropertyInfo MessageKind = Property(MessageType, "Type");
    private static readonly PropertyInfo MessageBody = Property(MessageType, "Body");

    private static readonly PropertyInfo ReadVersion = Property(RecordLayerType, "ReadVersion");
    private static readonly MethodInfo SetWriteVersionMethod = Method(RecordLayerType, "SetWriteVersion", typeof(ProtocolVersion));
    private static readonly MethodInfo InitPendingEpochMethod = Method(RecordLayerType, "InitPendingEpoch", typeof(TlsCipher));
    private static readonly MethodInfo FailMethod = Method(RecordLayerType, "Fail", typeof(byte));

    private static readonly FieldInfo Entity = Field(typeof(SecurityParameters), "entity");
    private static readonly FieldInfo ServerRandom = Field(typeof(SecurityParameters), "serverRandom");
    private static readonly FieldInfo SessionHash = Field(typeof(SecurityParameters), "sessionHash");
    private static readonly MethodInfo ClearParameters = Method(typeof(SecurityParameters), "Clear");

    private static readonly FieldInfo StateServer = Field(StateType, "server");
    private static readonly FieldInfo StateContext = Field(StateType, "serverContext");
    private static readonly FieldInfo StateKeyExchange = Field(StateType, "keyExchange");
    private static readonly FieldInfo StateCredentials = Field(StateType, "serverCredentials");
    private static readonly FieldInfo StateCertificateRequest = Field(StateType, "certificateRequest");

    private static readonly MethodInfo CreateRandomBlockMethod = StaticMethod(typeof(TlsProtocol), "CreateRandomBlock", typeof(bool), typeof(IRandomGenerator));
    private static readonly MethodInfo EstablishMasterSecretMethod = StaticMethod(typeof(TlsProtocol), "EstablishMasterSecret", typeof(TlsContext), typeof(TlsKeyExchange));
    private static readonly MethodInfo GetCurrentPrfHashMethod = StaticMethod(typeof(TlsProtocol), "GetCurrentPrfHash", typeof(TlsContext), typeof(TlsHandshakeHash), typeof(byte[]));
    private static readonly MethodInfo CalculateVerifyDataMethod = StaticMethod(typeof(TlsUtilities), "CalculateVerifyData", typeof(TlsContext), typeof(string), typeof(byte[]));
    private static readonly MethodInfo TrackHashAlgorithmsMethod = StaticMethod(typeof(TlsUtilities), "TrackHashAlgorithms", typeof(TlsHandshakeHash), typeof(IList));

    /// <summary>Touches every handle (startup): throws <see cref="InvalidOperationException"/> naming what is missing.</summary>
    public static void Verify() => _ = StateType.Name + CalculateVerifyDataMethod.Name + TrackHashAlgorithmsMethod.Name;

    public static TlsServerContext CreateServerContext(SecureRandom random, SecurityParameters parameters) =>
        (TlsServerContext)NewServerContext.Invoke([random, parameters]);

    public static DatagramTransport CreateRecordLayer(DatagramTransport transport, TlsContext context, TlsPeer peer) =>
        (DatagramTransport)NewRecordLayer.Invoke([transport, context, peer, ContentType.handshake]);

    /// <summary>A handshake sequencer whose next message to send and to receive both carry <paramref name="messageSeq"/>.</summary>
    public static object CreateHandshake(TlsContext context, DatagramTransport recordLayer, int messageSeq)
    {
        object handshake = NewHandshake.Invoke([context, recordLayer]);
        SendSeq.SetValue(handshake, messageSeq);
        ReceiveSeq.SetValue(handshake, messageSeq);
        return handshake;
    }

    public static (byte Type, byte[] Body) Receive(object handshake)
    {
        object message = Call(ReceiveMessage, handshake)!;
        return ((byte)MessageKind.GetValue(message)!, (byte[])MessageBody.GetValue(message)!);
    }

    public static void Send(object handshake, byte type, byte[] body) => Call(SendMessage, handshake, type, body);

    public static void HelloComplete(object handshake) => Call(NotifyHelloComplete, handshake);

    public static TlsHandshakeHash Hash(object handshake) => (TlsHandshakeHash)HandshakeHash.GetValue(handshake)!;

    public static TlsHandshakeHash StopTracking(object handshake) => (TlsHandshakeHash)Call(PrepareToFinish, handshake)!;

    public static void SetVersions(DatagramTransport recordLayer, ProtocolVersion version)
    {
        ReadVersion.SetValue(recordLayer, version);
        Call(SetWriteVersionMethod, recordLayer, version);
    }

    /// <summary>The version written in record headers (records are dropped by BouncyCastle until one is set).</summary>
    public static void SetWriteVersion(DatagramTransport recordLayer, ProtocolVersion version) => Call(SetWriteVersionMethod, recordLayer, version);

    public static void InitPendingEpoch(DatagramTransport recordLayer, TlsCipher cipher) => Call(InitPendingEpochMethod, recordLayer, cipher);

    /// <summary>Sends a fatal alert (if it can) and closes the record layer.</summary>
    public static void Fail(DatagramTransport recordLayer, byte alert) => Call(FailMethod, recordLayer, alert);

    public static void SetEntity(SecurityParameters parameters, int entity) => Entity.SetValue(parameters, entity);

    public static void SetServerRandom(SecurityParameters parameters, byte[] random) => ServerRandom.SetValue(parameters, random);

    public static void SetSessionHash(SecurityParameters parameters, byte[] hash) => SessionHash.SetValue(parameters, hash);

    public static void Clear(SecurityParameters parameters) => Call(ClearParameters, parameters);

    public static void SetState(object state, TlsServer server, TlsServerContext context)
    {
        StateServer.SetValue(state, server);
        StateContext.SetValue(state, context);
    }

    public static void SetKeyExchange(object state, TlsKeyExchange keyExchange, TlsCredentials? credentials)
    {
        StateKeyExchange.SetValue(state, keyExchange);
        StateCredentials.SetValue(state, credentials);
    }

    public static void SetCertificateRequest(object state, CertificateRequest request) => StateCertificateRequest.SetValue(state, request);

    public static byte[] CreateRandomBlock(bool gmtTime, IRandomGenerator random) => (byte[])Call(CreateRandomBlockMethod, null, gmtTime, random)!;

    public static void EstablishMasterSecret(TlsContext context, TlsKeyExchange keyExchange) => Call(EstablishMasterSecretMethod, null, context, keyExchange);

    public static byte[] PrfHash(TlsContext context, TlsHandshakeHash hash) => (byte[])Call(GetCurrentPrfHashMethod, null, context, hash, null)!;

    public static byte[] VerifyData(TlsContext context, string label, byte[] hash) => (byte[])Call(CalculateVerifyDataMethod, null, context, label, hash)!;

    public static void TrackHashAlgorithms(TlsHandshakeHash hash, IList algorithms) => Call(TrackHashAlgorithmsMethod, null, hash, algorithms);

    // BC's own exceptions (TlsFatalAlert, IOException) and ours pass through unwrapped.
    private static object? Call(MethodInfo method, object? target, params object?[] args) =>
        method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, args, null);

    private static Type Type(string name) =>
        Bc.GetType(name, throwOnError: false) ?? throw Missing(name);

    private static ConstructorInfo Ctor(Type type, params Type[] parameters) =>
        type.GetConstructor(Instance, parameters) ?? throw Missing($"{type.Name}({string.Join(", ", parameters.Select(p => p.Name))})");

    private static FieldInfo Field(Type type, string name) => type.GetField(name, Instance) ?? throw Missing($"{type.Name}.{name}");

    private static PropertyInfo Property(Type type, string name) => type.GetProperty(name, Instance) ?? throw Missing($"{type.Name}.{name}");

    private static MethodInfo Method(Type type, string name, params Type[] parameters) =>
        type.GetMethod(name, Instance, parameters) ?? throw Missing($"{type.Name}.{name}");

    private static MethodInfo StaticMethod(Type type, string name, params Type[] parameters) =>
        type.GetMethod(name, Static, parameters) ?? throw Missing($"{type.Name}.{name}");

    private static InvalidOperationException Missing(string what) =>
        new($"BouncyCastle.Crypto {Bc.GetName().Version} lacks {what}: the DTLS server needs BouncyCastle.NetCore 1.8.5 (pinned in Directory.Packages.props)");
}
