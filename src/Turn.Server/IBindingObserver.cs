namespace Turn.Server;

/// <summary>
/// Optional hook for --log-binding: told about each answered Binding request. Implementations
/// run on the worker thread and must be cheap.
/// </summary>
public interface IBindingObserver
{
    void BindingAnswered(in PacketContext context, int errorCode);
}
