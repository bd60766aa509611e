namespace HwEmu.Traces.Format;

/// <summary>
/// Names and display kinds of every record type's fields after the type, in wire order (docs/trace-format.md).
/// Used by the dumper; the record structs are the normative encoders.
/// </summary>
public static class TraceRecordSchema
{
    private static readonly (string Name, TraceFieldKind Kind)[][] Schemas =
    [
        // Header: a single map, dumped generically.
        [("header", TraceFieldKind.Number)],
        // DmaIssued
        [("time", TraceFieldKind.Number), ("transactionId", TraceFieldKind.Number), ("requesterId", TraceFieldKind.Hex),
         ("streamId", TraceFieldKind.Hex), ("substreamId", TraceFieldKind.Hex), ("address", TraceFieldKind.Hex),
         ("size", TraceFieldKind.Number), ("direction", TraceFieldKind.DmaDirection), ("attributes", TraceFieldKind.DmaAttributes),
         ("device", TraceFieldKind.Number), ("kind", TraceFieldKind.Number), ("route", TraceFieldKind.Number)],
        // Translation
        [("time", TraceFieldKind.Number), ("transactionId", TraceFieldKind.Number), ("streamId", TraceFieldKind.Hex),
         ("substreamId", TraceFieldKind.Hex), ("inputAddress", TraceFieldKind.Hex), ("outputAddress", TraceFieldKind.Hex),
         ("permissions", TraceFieldKind.Permissions), ("latencyCycles", TraceFieldKind.Number),
         ("servedBy", TraceFieldKind.TranslationSource), ("walkFetches", TraceFieldKind.Number), ("arrivalTime", TraceFieldKind.Number)],
        // TranslationFault
        [("time", TraceFieldKind.Number), ("transactionId", TraceFieldKind.Number), ("streamId", TraceFieldKind.Hex),
         ("substreamId", TraceFieldKind.Hex), ("inputAddress", TraceFieldKind.Hex), ("eventType", TraceFieldKind.Hex),
         ("action", TraceFieldKind.FaultAction), ("latencyCycles", TraceFieldKind.Number), ("eventRecord", TraceFieldKind.Bytes),
         ("arrivalTime", TraceFieldKind.Number)],
        // MsiWrite
        [("time", TraceFieldKind.Number), ("requesterId", TraceFieldKind.Hex), ("deviceId", TraceFieldKind.Hex),
         ("doorbellAddress", TraceFieldKind.Hex), ("data", TraceFieldKind.Hex)],
        // InterruptDelivered
        [("time", TraceFieldKind.Number), ("intId", TraceFieldKind.Number), ("targetCpu", TraceFieldKind.Number),
         ("source", TraceFieldKind.InterruptSource), ("deviceId", TraceFieldKind.Hex), ("eventId", TraceFieldKind.Number)],
        // RegisterWrite
        [("time", TraceFieldKind.Number), ("component", TraceFieldKind.Number), ("address", TraceFieldKind.Hex),
         ("size", TraceFieldKind.Number), ("value", TraceFieldKind.Hex)],
        // SmmuCommand
        [("time", TraceFieldKind.Number), ("smmu", TraceFieldKind.Number), ("consumerIndex", TraceFieldKind.Hex),
         ("opcode", TraceFieldKind.SmmuOpcode), ("error", TraceFieldKind.Number), ("command", TraceFieldKind.Bytes)],
        // ItsCommand
        [("time", TraceFieldKind.Number), ("its", TraceFieldKind.Number), ("queueOffset", TraceFieldKind.Hex),
         ("opcode", TraceFieldKind.ItsOpcode), ("error", TraceFieldKind.Hex), ("deviceId", TraceFieldKind.Hex),
         ("eventId", TraceFieldKind.Number), ("command", TraceFieldKind.Bytes)],
        // MemoryWrite
        [("time", TraceFieldKind.Number), ("address", TraceFieldKind.Hex), ("structure", TraceFieldKind.MemoryStructure),
         ("data", TraceFieldKind.Bytes)],
        // FaultInjected
        [("time", TraceFieldKind.Number), ("faultId", TraceFieldKind.Number), ("kind", TraceFieldKind.Number),
         ("target", TraceFieldKind.Hex), ("value", TraceFieldKind.Hex)],
        // Checkpoint
        [("time", TraceFieldKind.Number), ("checkpointId", TraceFieldKind.Number), ("stateHash", TraceFieldKind.Hex)],
        // DmaCompleted
        [("time", TraceFieldKind.Number), ("transactionId", TraceFieldKind.Number), ("device", TraceFieldKind.Number),
         ("kind", TraceFieldKind.Number), ("direction", TraceFieldKind.DmaDirection), ("size", TraceFieldKind.Number),
         ("latencyPs", TraceFieldKind.Number), ("flags", TraceFieldKind.Number)],
    ];

    /// <summary>The fields after the type of a known record type, or an empty list for an unknown one.</summary>
    public static ReadOnlySpan<(string Name, TraceFieldKind Kind)> Fields(ushort recordType) =>
        recordType < Schemas.Length ? Schemas[recordType] : default;

    /// <summary>The name of a record type: the enum name, or the number for a type this version does not know.</summary>
    public static string TypeName(ushort recordType) =>
        recordType < Schemas.Length ? ((TraceRecordType)recordType).ToString() : recordType.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
