using System.Buffers.Binary;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Pcie;

/// <summary>
/// Host-side helpers for NVMe I/O commands (NVM Command Set): the 64-byte submission queue entry and PRPs.
/// SQE layout (NVMe Base 2.0 §4.2): DW0 opcode[7:0] CID[31:16], DW1 NSID, DW6-7 PRP1, DW8-9 PRP2, DW10-11 SLBA,
/// DW12 NLB[15:0] (0-based).
/// </summary>
public static class NvmeCommand
{
    /// <summary>Write opcode (the device reads host memory).</summary>
    public const byte OpWrite = 0x01;
    /// <summary>Read opcode (the device writes host memory).</summary>
    public const byte OpRead = 0x02;
    /// <summary>Submission queue entry bytes.</summary>
    public const int SqeBytes = 64;
    /// <summary>Completion queue entry bytes.</summary>
    public const int CqeBytes = 16;

    /// <summary>Encodes an I/O command into <paramref name="sqe"/> (64 bytes).</summary>
    public static void WriteSqe(Span<byte> sqe, byte opcode, ushort cid, uint nsid, ulong prp1, ulong prp2, ulong slba, ushort nlb0)
    {
        sqe[..SqeBytes].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(sqe, opcode | (uint)cid << 16);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[4..], nsid);
        BinaryPrimitives.WriteUInt64LittleEndian(sqe[24..], prp1);
        BinaryPrimitives.WriteUInt64LittleEndian(sqe[32..], prp2);
        BinaryPrimitives.WriteUInt64LittleEndian(sqe[40..], slba);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[48..], nlb0);
    }

    /// <summary>
    /// Builds PRP1/PRP2 for a buffer at <paramref name="buffer"/> of <paramref name="length"/> bytes (buffer pages
    /// contiguous in IOVA space): one page → PRP2 = 0; two pages → PRP2 = second page; more → PRP2 =
    /// <paramref name="listAddress"/> and the page addresses after the first are written to <paramref name="list"/>.
    /// Returns the number of list entries (0 when no list is needed).
    /// </summary>
    public static int BuildPrps(ulong buffer, int length, ulong pageSize, ulong listAddress, Span<ulong> list, out ulong prp1, out ulong prp2)
    {
        prp1 = buffer;
        ulong firstPageEnd = (buffer & ~(pageSize - 1)) + pageSize;
        ulong end = buffer + (ulong)length;
        if (end <= firstPageEnd) { prp2 = 0; return 0; }
        if (end <= firstPageEnd + pageSize) { prp2 = firstPageEnd; return 0; }
        int n = 0;
        for (ulong p = firstPageEnd; p < end; p += pageSize) list[n++] = p;
        prp2 = listAddress;
        return n;
    }
}

/// <summary>
/// Functional model of the device side of one NVMe I/O queue pair (submission and completion rings in host memory,
/// doorbells as register writes, PRP data pointers, one MSI-X vector per queue with optional coalescing). It reads
/// the rings and PRP lists through the <see cref="SystemBus"/> and reports every DMA it makes, in order, to an
/// <see cref="IDmaSink"/>; the data itself is not moved (a storage model is not needed for I/O-path timing).
/// Logical blocks are 512 bytes. A PRP list that would need chaining (more than one list page) completes the
/// command with Invalid Field in Command (status 0x02).
/// </summary>
public sealed class NvmeQueuePair
{
    private readonly SystemBus _bus;
    private readonly IDmaSink _sink;
    private readonly MsixTable? _msix;
    private readonly byte[] _sqe = new byte[NvmeCommand.SqeBytes];
    private readonly byte[] _cqe = new byte[NvmeCommand.CqeBytes];
    private ulong _dmaId;
    private int _uncoalesced;

    /// <summary>Creates queue pair <paramref name="qid"/>.</summary>
    public NvmeQueuePair(ushort qid, ulong sqBase, ulong cqBase, int entries, int vector, SystemBus bus, IDmaSink sink,
        MsixTable? msix = null, int coalesce = 1, ulong pageSize = 4096, ushort requesterId = 0)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(sink);
        if (entries < 2) throw new ArgumentOutOfRangeException(nameof(entries), "a queue needs at least 2 entries");
        if (coalesce < 1) throw new ArgumentOutOfRangeException(nameof(coalesce));
        Qid = qid; SqBase = sqBase; CqBase = cqBase; Entries = entries; Vector = vector;
        _bus = bus; _sink = sink; _msix = msix; Coalesce = coalesce; PageSize = pageSize; RequesterId = requesterId;
    }

    /// <summary>Queue ID.</summary>
    public ushort Qid { get; }
    /// <summary>Submission queue base.</summary>
    public ulong SqBase { get; }
    /// <summary>Completion queue base.</summary>
    public ulong CqBase { get; }
    /// <summary>Entries per queue.</summary>
    public int Entries { get; }
    /// <summary>MSI-X vector of the completion queue.</summary>
    public int Vector { get; }
    /// <summary>Completions per interrupt.</summary>
    public int Coalesce { get; }
    /// <summary>Memory page size (CC.MPS).</summary>
    public ulong PageSize { get; }
    /// <summary>Requester ID used on the bus.</summary>
    public ushort RequesterId { get; }
    /// <summary>SQ head (next entry the device fetches).</summary>
    public int SqHead { get; private set; }
    /// <summary>SQ tail written by the host.</summary>
    public int SqTail { get; private set; }
    /// <summary>CQ tail (next entry the device writes).</summary>
    public int CqTail { get; private set; }
    /// <summary>CQ head written by the host.</summary>
    public int CqHead { get; private set; }
    /// <summary>Phase tag the device writes into the next CQE (starts at 1, inverts on each wrap).</summary>
    public bool Phase { get; private set; } = true;
    /// <summary>Commands completed.</summary>
    public long Completed { get; private set; }
    /// <summary>Interrupts signalled.</summary>
    public long Interrupts { get; private set; }
    /// <summary>Bus errors while fetching entries or PRP lists.</summary>
    public long BusErrors { get; private set; }

    /// <summary>Host writes the SQ tail doorbell; out-of-range values are ignored (an asynchronous error in hardware).</summary>
    public void WriteSqTailDoorbell(uint tail)
    {
        if (tail < (uint)Entries) SqTail = (int)tail;
    }

    /// <summary>Host writes the CQ head doorbell.</summary>
    public void WriteCqHeadDoorbell(uint head)
    {
        if (head < (uint)Entries) CqHead = (int)head;
    }

    /// <summary>Processes every submitted command (stops early if the CQ is full). Returns commands completed.</summary>
    public int Process(ulong nowPs)
    {
        int done = 0;
        Span<ulong> prpList = stackalloc ulong[512];
        while (SqHead != SqTail && (CqTail + 1) % Entries != CqHead)
        {
            ulong sqeAddress = SqBase + (ulong)SqHead * NvmeCommand.SqeBytes;
            Emit(sqeAddress, NvmeCommand.SqeBytes, false, nowPs, DmaPurpose.DescriptorFetch);
            SqHead = (SqHead + 1) % Entries;
            if (_bus.Read(sqeAddress, _sqe, new BusAttributes(RequesterId)) != BusStatus.Ok)
            {
                BusErrors++;
                continue; // no CID to complete; the controller would report a fatal status
            }
            uint dw0 = BinaryPrimitives.ReadUInt32LittleEndian(_sqe);
            byte opcode = (byte)dw0;
            ushort cid = (ushort)(dw0 >> 16);
            ulong prp1 = BinaryPrimitives.ReadUInt64LittleEndian(_sqe.AsSpan(24));
            ulong prp2 = BinaryPrimitives.ReadUInt64LittleEndian(_sqe.AsSpan(32));
            int length = ((int)(BinaryPrimitives.ReadUInt32LittleEndian(_sqe.AsSpan(48)) & 0xffff) + 1) * 512;
            ushort status = opcode is NvmeCommand.OpRead or NvmeCommand.OpWrite
                ? Transfer(opcode == NvmeCommand.OpRead, prp1, prp2, length, nowPs, prpList)
                : (ushort)0x01; // Invalid Command Opcode
            PostCompletion(cid, status, nowPs);
            done++;
        }
        return done;
    }

    private ushort Transfer(bool deviceWrites, ulong prp1, ulong prp2, int length, ulong nowPs, Span<ulong> list)
    {
        ulong firstPageEnd = (prp1 & ~(PageSize - 1)) + PageSize;
        int first = (int)Math.Min((ulong)length, firstPageEnd - prp1);
        int rest = length - first;
        int pagesAfter = (int)(((ulong)rest + PageSize - 1) / PageSize);
        if (pagesAfter > 1)
        {
            // PRP2 is a list pointer; its entries up to the end of that page may be used without chaining.
            int room = (int)((PageSize - (prp2 & (PageSize - 1))) / 8);
            if (pagesAfter > room || pagesAfter > list.Length) return 0x02;
            Emit(prp2, pagesAfter * 8, false, nowPs, DmaPurpose.PrpListFetch);
            for (int i = 0; i < pagesAfter; i++)
            {
                if (_bus.Read64(prp2 + (ulong)i * 8, out ulong e, new BusAttributes(RequesterId)) != BusStatus.Ok) { BusErrors++; return 0x04; }
                list[i] = e;
            }
        }
        else if (pagesAfter == 1) list[0] = prp2;
        Emit(prp1, first, deviceWrites, nowPs, DmaPurpose.Data);
        for (int i = 0; i < pagesAfter; i++)
        {
            int n = (int)Math.Min((ulong)rest, PageSize);
            Emit(list[i], n, deviceWrites, nowPs, DmaPurpose.Data);
            rest -= n;
        }
        return 0;
    }

    private void PostCompletion(ushort cid, ushort status, ulong nowPs)
    {
        // CQE (NVMe Base 2.0 §4.2.2): DW0 command specific, DW1 reserved, DW2 SQHD[15:0] SQID[31:16],
        // DW3 CID[15:0] P[16] Status[31:17].
        Array.Clear(_cqe);
        BinaryPrimitives.WriteUInt32LittleEndian(_cqe.AsSpan(8), (uint)SqHead | (uint)Qid << 16);
        BinaryPrimitives.WriteUInt32LittleEndian(_cqe.AsSpan(12), cid | (Phase ? 1u << 16 : 0) | (uint)status << 17);
        ulong address = CqBase + (ulong)CqTail * NvmeCommand.CqeBytes;
        Emit(address, NvmeCommand.CqeBytes, true, nowPs, DmaPurpose.Completion);
        if (_bus.Write(address, _cqe, new BusAttributes(RequesterId)) != BusStatus.Ok) BusErrors++;
        CqTail++;
        if (CqTail == Entries) { CqTail = 0; Phase = !Phase; }
        Completed++;
        if (++_uncoalesced >= Coalesce)
        {
            _uncoalesced = 0;
            Interrupts++;
            _msix?.Trigger(Vector);
        }
    }

    private void Emit(ulong address, int size, bool write, ulong nowPs, DmaPurpose purpose) =>
        _sink.Dma(new DmaRequest(_dmaId++, address, size, write, nowPs, purpose));
}
