namespace HwEmu.Devices.Platform.Machine;

/// <summary>What a transaction of an operation does (one operation is a fixed chain of them per device kind).</summary>
public enum TransactionKind : byte
{
    /// <summary>Payload transfer (a DMA engine transfer, NVMe data, a received packet).</summary>
    Data,
    /// <summary>NVMe submission queue entry fetch (64-byte read).</summary>
    SqeFetch,
    /// <summary>NVMe PRP list fetch (8 bytes per page after the first).</summary>
    PrpListFetch,
    /// <summary>NVMe completion queue entry write (16-byte posted write).</summary>
    CqeWrite,
    /// <summary>NIC receive descriptor fetch (16-byte read).</summary>
    DescriptorFetch,
    /// <summary>NIC descriptor write-back (16-byte posted write).</summary>
    DescriptorWriteBack,
    /// <summary>MSI / MSI-X message (DWORD posted write to the doorbell).</summary>
    Msi,
}
