using HwEmu.Devices.Smmu;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>Forwards every callback to several observers in order (e.g. a trace recorder and a Perfetto writer).</summary>
public sealed class CompositeRunObserver(params IRunObserver[] observers) : IRunObserver
{
    private readonly IRunObserver[] _o = observers;

    /// <summary>One observer for any number of them: null for none, the observer itself for one.</summary>
    public static IRunObserver? Of(params IRunObserver?[] observers)
    {
        IRunObserver[] list = observers.Where(o => o is not null).Select(o => o!).ToArray();
        return list.Length switch { 0 => null, 1 => list[0], _ => new CompositeRunObserver(list) };
    }

    /// <inheritdoc/>
    public void OnHostMemoryWrite(ulong timePs, ulong address, ReadOnlySpan<byte> data, HostStructure structure) { foreach (var o in _o) o.OnHostMemoryWrite(timePs, address, data, structure); }
    /// <inheritdoc/>
    public void OnRegisterWrite(ulong timePs, ushort component, ulong address, int size, ulong value) { foreach (var o in _o) o.OnRegisterWrite(timePs, component, address, size, value); }
    /// <inheritdoc/>
    public void OnSmmuCommand(ulong timePs, uint consumerIndex, ulong dword0, ulong dword1, byte error) { foreach (var o in _o) o.OnSmmuCommand(timePs, consumerIndex, dword0, dword1, error); }
    /// <inheritdoc/>
    public void OnItsCommand(ulong timePs, uint queueOffset, ulong dword0, ulong dword1, ulong dword2, ulong dword3, uint error) { foreach (var o in _o) o.OnItsCommand(timePs, queueOffset, dword0, dword1, dword2, dword3, error); }
    /// <inheritdoc/>
    public void OnDmaIssued(in RunDma dma) { foreach (var o in _o) o.OnDmaIssued(dma); }
    /// <inheritdoc/>
    public void OnDmaCompleted(ulong timePs, ulong transactionId, bool error) { foreach (var o in _o) o.OnDmaCompleted(timePs, transactionId, error); }
    /// <inheritdoc/>
    public void OnTranslation(ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result) { foreach (var o in _o) o.OnTranslation(timePs, transactionId, transaction, result); }
    /// <inheritdoc/>
    public void OnMsiWrite(ulong timePs, ushort requesterId, uint deviceId, ulong doorbellAddress, uint data) { foreach (var o in _o) o.OnMsiWrite(timePs, requesterId, deviceId, doorbellAddress, data); }
    /// <inheritdoc/>
    public void OnInterruptDelivered(ulong timePs, uint intId, int cpu, RunInterruptSource source, uint deviceId, uint eventId) { foreach (var o in _o) o.OnInterruptDelivered(timePs, intId, cpu, source, deviceId, eventId); }
    /// <inheritdoc/>
    public void OnPeerToPeer(ulong timePs, ulong transactionId, ushort requesterId, ulong address, int peerEndpoint) { foreach (var o in _o) o.OnPeerToPeer(timePs, transactionId, requesterId, address, peerEndpoint); }

    /// <inheritdoc/>
    public void OnDmaCompleted(in RunCompletion completion) { foreach (var o in _o) o.OnDmaCompleted(completion); }

    /// <inheritdoc/>
    public void OnTranslation(ulong arrivalPs, ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result) { foreach (var o in _o) o.OnTranslation(arrivalPs, timePs, transactionId, transaction, result); }

    /// <inheritdoc/>
    public bool ReportsEveryMemoryWrite => _o.Any(o => o.ReportsEveryMemoryWrite);
}
