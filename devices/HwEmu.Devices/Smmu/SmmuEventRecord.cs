using System.Buffers.Binary;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// One architected 32-byte event record (IHI 0070 §7.3). Only the fields defined for <see cref="Type"/> are
/// encoded; the others are written as zero.
/// </summary>
public struct SmmuEventRecord
{
    /// <summary>Size of a record in the event queue.</summary>
    public const int Size = 32;

    /// <summary>Event type.</summary>
    public SmmuEventType Type;
    /// <summary>StreamID of the transaction.</summary>
    public uint StreamId;
    /// <summary>SubstreamID (valid when <see cref="SubstreamValid"/>).</summary>
    public uint SubstreamId;
    /// <summary>SSV: the transaction had a SubstreamID.</summary>
    public bool SubstreamValid;
    /// <summary>PnU: privileged transaction.</summary>
    public bool Privileged;
    /// <summary>InD: instruction transaction.</summary>
    public bool Instruction;
    /// <summary>RnW: read transaction.</summary>
    public bool Read;
    /// <summary>S2: the fault arose at stage 2.</summary>
    public bool Stage2;
    /// <summary>CLASS of the faulting access.</summary>
    public SmmuEventClass Class;
    /// <summary>InputAddr: the transaction's input address.</summary>
    public ulong InputAddress;
    /// <summary>IPA (stage-2 faults) or FetchAddr (fetch aborts): record bits [255:192].</summary>
    public ulong Address2;

    /// <summary>True for the types that carry InputAddr and the access attributes (F_TRANSLATION and friends).</summary>
    public readonly bool HasAccessFields => Type is SmmuEventType.FWalkEabt or SmmuEventType.FTranslation or SmmuEventType.FAddrSize
        or SmmuEventType.FAccess or SmmuEventType.FPermission or SmmuEventType.FTlbConflict or SmmuEventType.FUut;

    /// <summary>Double-word 0: type, SSV, SubstreamID, StreamID.</summary>
    public readonly ulong Dword0 => (byte)Type | (SubstreamValid ? (1UL << 11) | ((ulong)(SubstreamId & 0xfffff) << 12) : 0) | ((ulong)StreamId << 32);

    /// <summary>Double-word 1: PnU[33], InD[34], RnW[35], S2[39], CLASS[41:40] (IHI 0070 §7.3.10-§7.3.15).</summary>
    public readonly ulong Dword1 => !HasAccessFields ? 0 :
        (Privileged ? 1UL << 33 : 0) | (Instruction ? 1UL << 34 : 0) | (Read ? 1UL << 35 : 0) |
        (Type == SmmuEventType.FTlbConflict ? 0 : (Stage2 ? 1UL << 39 : 0) | ((ulong)Class << 40));

    /// <summary>Double-word 2: InputAddr.</summary>
    public readonly ulong Dword2 => HasAccessFields ? InputAddress : 0;

    /// <summary>Double-word 3: FetchAddr[51:3] for fetch aborts, IPA[51:12] for stage-2 translation faults.</summary>
    public readonly ulong Dword3 => Type switch
    {
        SmmuEventType.FSteFetch or SmmuEventType.FCdFetch or SmmuEventType.FWalkEabt => Address2 & 0x000f_ffff_ffff_fff8UL,
        SmmuEventType.FTranslation or SmmuEventType.FAddrSize or SmmuEventType.FAccess or SmmuEventType.FPermission
            => Stage2 ? Address2 & 0x000f_ffff_ffff_f000UL : 0,
        _ => 0,
    };

    /// <summary>Writes the 32-byte little-endian record.</summary>
    public readonly void Encode(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Dword0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Dword1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Dword2);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], Dword3);
    }

    /// <summary>Spec name of an event type, e.g. "F_TRANSLATION" (QEMU traces prefix it with "SMMU_EVT_").</summary>
    public static string Name(SmmuEventType type) => type switch
    {
        SmmuEventType.None => "NONE",
        SmmuEventType.FUut => "F_UUT",
        SmmuEventType.CBadStreamId => "C_BAD_STREAMID",
        SmmuEventType.FSteFetch => "F_STE_FETCH",
        SmmuEventType.CBadSte => "C_BAD_STE",
        SmmuEventType.FBadAtsTreq => "F_BAD_ATS_TREQ",
        SmmuEventType.FStreamDisabled => "F_STREAM_DISABLED",
        SmmuEventType.FTranslForbidden => "F_TRANSL_FORBIDDEN",
        SmmuEventType.CBadSubstreamId => "C_BAD_SUBSTREAMID",
        SmmuEventType.FCdFetch => "F_CD_FETCH",
        SmmuEventType.CBadCd => "C_BAD_CD",
        SmmuEventType.FWalkEabt => "F_WALK_EABT",
        SmmuEventType.FTranslation => "F_TRANSLATION",
        SmmuEventType.FAddrSize => "F_ADDR_SIZE",
        SmmuEventType.FAccess => "F_ACCESS",
        SmmuEventType.FPermission => "F_PERMISSION",
        SmmuEventType.FTlbConflict => "F_TLB_CONFLICT",
        SmmuEventType.FCfgConflict => "F_CFG_CONFLICT",
        SmmuEventType.EPageRequest => "E_PAGE_REQUEST",
        _ => $"EVT_0x{(byte)type:x2}",
    };

    /// <summary>Decodes a 32-byte record (for trace importers and tests).</summary>
    public static SmmuEventRecord Decode(ReadOnlySpan<byte> record)
    {
        ulong d0 = BinaryPrimitives.ReadUInt64LittleEndian(record), d1 = BinaryPrimitives.ReadUInt64LittleEndian(record[8..]);
        return new SmmuEventRecord
        {
            Type = (SmmuEventType)(byte)d0, SubstreamValid = (d0 & (1UL << 11)) != 0, SubstreamId = (uint)(d0 >> 12) & 0xfffff,
            StreamId = (uint)(d0 >> 32), Privileged = (d1 & (1UL << 33)) != 0, Instruction = (d1 & (1UL << 34)) != 0,
            Read = (d1 & (1UL << 35)) != 0, Stage2 = (d1 & (1UL << 39)) != 0, Class = (SmmuEventClass)((d1 >> 40) & 3),
            InputAddress = BinaryPrimitives.ReadUInt64LittleEndian(record[16..]),
            Address2 = BinaryPrimitives.ReadUInt64LittleEndian(record[24..]),
        };
    }

    /// <inheritdoc/>
    public override readonly string ToString() =>
        $"{Name(Type)} sid=0x{StreamId:x}{(SubstreamValid ? $" ssid=0x{SubstreamId:x}" : "")} in=0x{InputAddress:x} addr2=0x{Address2:x}{(Stage2 ? " S2" : "")} class={Class}";
}
