namespace HwEmu.Traces.Format;

/// <summary>How a record field is shown by the JSON dumper.</summary>
public enum TraceFieldKind : byte
{
    /// <summary>A decimal number.</summary>
    Number,
    /// <summary>An address or mask: a "0x..." string.</summary>
    Hex,
    /// <summary>Bytes as a hex string.</summary>
    Bytes,
    /// <summary>A <see cref="DmaDirection"/> name.</summary>
    DmaDirection,
    /// <summary><see cref="DmaAttributes"/> flag names.</summary>
    DmaAttributes,
    /// <summary><see cref="AccessPermissions"/> flag names.</summary>
    Permissions,
    /// <summary>A <see cref="TranslationSource"/> name.</summary>
    TranslationSource,
    /// <summary>A <see cref="FaultAction"/> name.</summary>
    FaultAction,
    /// <summary>An <see cref="InterruptSource"/> name.</summary>
    InterruptSource,
    /// <summary>A <see cref="MemoryStructure"/> name.</summary>
    MemoryStructure,
    /// <summary>An SMMU command opcode name (<see cref="SmmuCommandNames"/>).</summary>
    SmmuOpcode,
    /// <summary>An ITS command opcode name (<see cref="ItsCommandNames"/>).</summary>
    ItsOpcode,
}
