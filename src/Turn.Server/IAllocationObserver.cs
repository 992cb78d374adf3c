namespace Turn.Server;

/// <summary>
/// Hears about allocations' lives: creation, refreshes, traffic, deletion (what coturn writes to its Redis status
/// database). Called on the worker thread that owns the allocation, so an implementation must return at once:
/// queue the event and do any I/O elsewhere; never block, never wait.
/// </summary>
public interface IAllocationObserver
{
    void OnAllocationEvent(AllocationEvent e);
}
