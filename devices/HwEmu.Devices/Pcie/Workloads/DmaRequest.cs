namespace HwEmu.Devices.Pcie;

/// <summary>One DMA an endpoint issues (a memory read or write request before the link splits it into TLPs).</summary>
/// <param name="Id">Sequence number within the issuing generator / model (0, 1, 2...).</param>
/// <param name="Address">Untranslated address (IOVA) as the device emits it.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Write">Device writes host memory (a memory write TLP) rather than reads it.</param>
/// <param name="IssuePs">Simulated time the device issues it, picoseconds.</param>
/// <param name="Purpose">What the access is for (data, descriptor fetch, completion, MSI).</param>
public readonly record struct DmaRequest(ulong Id, ulong Address, int Size, bool Write, ulong IssuePs, DmaPurpose Purpose = DmaPurpose.Data);

/// <summary>Why a device model makes an access (for traces and per-purpose statistics).</summary>
public enum DmaPurpose : byte
{
    /// <summary>Payload transfer.</summary>
    Data,
    /// <summary>Submission queue entry / descriptor fetch.</summary>
    DescriptorFetch,
    /// <summary>PRP list or scatter list fetch.</summary>
    PrpListFetch,
    /// <summary>Completion queue entry / descriptor write-back.</summary>
    Completion,
    /// <summary>MSI / MSI-X message write.</summary>
    Msi,
}

/// <summary>Receives the DMA requests a functional device model makes, in order.</summary>
public interface IDmaSink
{
    /// <summary>Called once per request.</summary>
    void Dma(in DmaRequest request);
}

/// <summary>An <see cref="IDmaSink"/> that keeps every request (tests, small runs).</summary>
public sealed class DmaRecorder : IDmaSink
{
    /// <summary>Requests in issue order.</summary>
    public List<DmaRequest> Requests { get; } = [];

    /// <inheritdoc/>
    public void Dma(in DmaRequest request) => Requests.Add(request);
}
