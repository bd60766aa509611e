using System.Buffers.Binary;
using System.Numerics;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.IoPgtable;

namespace HwEmu.Devices.Host.Vfio;

/// <summary>Module parameters and interface version of a type1 container.</summary>
public sealed record VfioOptions
{
    /// <summary>vfio_iommu_type1.allow_unsafe_interrupts.</summary>
    public bool AllowUnsafeInterrupts { get; init; }

    /// <summary>vfio_iommu_type1.dma_entry_limit (U16_MAX).</summary>
    public uint DmaEntryLimit { get; init; } = 65535;

    /// <summary>VFIO_TYPE1v2_IOMMU (QEMU's choice) rather than VFIO_TYPE1_IOMMU.</summary>
    public bool Type1v2 { get; init; } = true;
}

/// <summary>
/// drivers/vfio/vfio_iommu_type1.c container semantics: group attach with aperture/reserved-region checks, the
/// interrupt-isolation check and domain reuse; the valid IOVA list; VFIO_IOMMU_GET_INFO with the capability chain
/// byte for byte; MAP_DMA / UNMAP_DMA with the kernel's argument checks and error order. Pages are "pinned"
/// through an <see cref="IVfioUserMemory"/> and mapped with iommu_map semantics into every domain through
/// <see cref="IIommuDomainOps"/>.
/// </summary>
public sealed class VfioContainer
{
    /// <summary>The exact pr_warn text of a refused attach (4.11+; "%s" is the function name).</summary>
    public const string UnsafeInterruptsMessage =
        "vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform";

    private sealed class VfioDomain
    {
        public required IommuDomain Domain;
        public readonly List<IommuGroup> Groups = new();
    }

    private readonly HostSystem _host;
    private readonly Func<IommuGroup, IommuDomain?> _domainFactory;
    private readonly IVfioUserMemory _userMemory;
    private readonly List<VfioDomain> _domains = new();
    private readonly List<VfioDma> _dmas = new(); // sorted by iova
    private List<VfioIovaRange> _iovaList = new();
    private readonly List<string> _log = new();

    /// <summary>Opens a container (vfio_iommu_type1_open).</summary>
    /// <param name="host">The host whose groups are attached.</param>
    /// <param name="domainFactory">iommu_domain_alloc(): a new unmanaged domain for a group (null: -EIO).</param>
    /// <param name="userMemory">The user's address space.</param>
    /// <param name="options">Module parameters.</param>
    public VfioContainer(HostSystem host, Func<IommuGroup, IommuDomain?> domainFactory, IVfioUserMemory userMemory, VfioOptions? options = null)
    {
        _host = host;
        _domainFactory = domainFactory;
        _userMemory = userMemory;
        Options = options ?? new VfioOptions();
        DmaAvail = Options.DmaEntryLimit;
        PgsizeBitmap = ~((ulong)host.Platform.PageSize - 1); // PAGE_MASK
    }

    /// <summary>A container whose domains are io-pgtable domains with tables from <paramref name="allocator"/>.</summary>
    public static VfioContainer WithIoPgtableDomains(HostSystem host, PhysicalPageAllocator allocator, IVfioUserMemory userMemory, VfioOptions? options = null)
        => new(host, _ => host.CreatePagingDomain(IommuDomainType.Unmanaged, allocator), userMemory, options);

    /// <summary>Module parameters.</summary>
    public VfioOptions Options { get; }

    /// <summary>Kernel version modelled (the host platform's).</summary>
    public KernelVersion KernelVersion => _host.Platform.KernelVersion;

    /// <summary>iommu-&gt;pgsize_bitmap: AND of the domains' page sizes (sub-page sizes folded into PAGE_SIZE).</summary>
    public ulong PgsizeBitmap { get; private set; }

    /// <summary>iommu-&gt;dma_avail.</summary>
    public uint DmaAvail { get; private set; }

    /// <summary>The valid IOVA list (inclusive ranges, sorted).</summary>
    public IReadOnlyList<VfioIovaRange> IovaRanges => _iovaList;

    /// <summary>User mappings sorted by IOVA.</summary>
    public IReadOnlyList<VfioDma> Mappings => _dmas;

    /// <summary>Domains in use (in attach order), each with its groups.</summary>
    public IReadOnlyList<(IommuDomain Domain, IReadOnlyList<IommuGroup> Groups)> Domains
        => _domains.Select(d => (d.Domain, (IReadOnlyList<IommuGroup>)d.Groups)).ToList();

    /// <summary>Kernel messages printed so far.</summary>
    public IReadOnlyList<string> KernelLog => _log;

    /// <summary>The domain <paramref name="group"/> is attached to, or null.</summary>
    public IommuDomain? DomainOf(IommuGroup group) => _domains.FirstOrDefault(d => d.Groups.Contains(group))?.Domain;

    // ------------------------------------------------------------------ attach / detach

    /// <summary>
    /// vfio_iommu_type1_attach_group() (what VFIO_SET_IOMMU / VFIO_GROUP_SET_CONTAINER end in). Errors in the
    /// kernel's order: -EINVAL duplicate group, -EIO no domain, -EINVAL aperture conflict, -EINVAL reserved
    /// region over an existing mapping, -EINVAL empty valid list, -EPERM interrupts not isolated.
    /// </summary>
    public Errno AttachGroup(IommuGroup group)
    {
        if (_domains.Any(d => d.Groups.Contains(group))) return Errno.EINVAL;
        var domain = _domainFactory(group);
        if (domain?.Ops is null) return Errno.EIO;
        var ops = domain.Ops;
        var attachErr = AttachDevices(domain, group); // iommu_attach_group, before the checks as in 6.1
        if (attachErr != Errno.None) return Fail(domain, attachErr);
        ulong apStart = ops.ApertureStart, apEnd = ops.ApertureEnd;

        if (AperConflict(apStart, apEnd)) return Fail(domain, Errno.EINVAL);
        var resv = group.ReservedRegions;
        foreach (var r in resv)
        {
            if (r.Type == IommuResvType.DirectRelaxable) continue;
            if (FindDma(r.Start, r.Length) is not null) return Fail(domain, Errno.EINVAL);
        }
        var copy = new List<VfioIovaRange>(_iovaList);
        AperResize(copy, apStart, apEnd);
        if (ResvExclude(copy, resv) != Errno.None) return Fail(domain, Errno.EINVAL);

        bool resvMsi = HasSwMsi(resv, out ulong resvMsiBase);

        bool isolated = KernelVersion.VfioPerGroupMsiIsolation ? group.HasIsolatedMsi : _host.SystemMsiRemap;
        if (!Options.AllowUnsafeInterrupts && !isolated)
        {
            _log.Add(UnsafeInterruptsMessage);
            return Fail(domain, Errno.EPERM);
        }

        foreach (var d in _domains)
        {
            if (d.Domain.Ops!.DriverName == ops.DriverName)
            {
                // The group joins the existing domain; the new one is freed.
                FreeDomain(domain);
                var reErr = AttachDevices(d.Domain, group);
                if (reErr != Errno.None) return reErr;
                d.Groups.Add(group);
                _iovaList = copy;
                return Errno.None;
            }
        }

        var err = Replay(domain);
        if (err != Errno.None) return Fail(domain, err);
        if (resvMsi)
        {
            err = MsiCookie.GetMsiCookie(domain, resvMsiBase, _host.Platform.PageSize);
            if (err != Errno.None && err != Errno.ENODEV) return Fail(domain, err);
        }
        var vd = new VfioDomain { Domain = domain };
        vd.Groups.Add(group);
        _domains.Add(vd);
        UpdatePgsizeBitmap();
        _iovaList = copy;
        return Errno.None;
    }

    private static Errno Fail(IommuDomain domain, Errno err)
    {
        FreeDomain(domain);
        return err;
    }

    private static void FreeDomain(IommuDomain domain)
    {
        if (domain.Ops is IoPgtableDomain p) p.Table.Free();
        else if (domain.Ops is IIommuAttachableDomain a) a.Free();
    }

    private static Errno AttachDevices(IommuDomain domain, IommuGroup group)
    {
        if (domain.Ops is not IIommuAttachableDomain a) return Errno.None;
        foreach (var dev in group.DeviceList)
        {
            var err = a.AttachDevice(dev);
            if (err != Errno.None) return err;
        }
        return Errno.None;
    }

    /// <summary>
    /// vfio_iommu_type1_detach_group(): a domain left without groups is freed (with all user mappings when it
    /// was the last one); the aperture is re-expanded and the remaining groups' reserved regions re-applied.
    /// -ENOENT when the group is not attached.
    /// </summary>
    public Errno DetachGroup(IommuGroup group)
    {
        var d = _domains.FirstOrDefault(x => x.Groups.Contains(group));
        if (d is null) return Errno.ENOENT;
        var copy = new List<VfioIovaRange>(_iovaList);
        d.Groups.Remove(group);
        if (d.Domain.Ops is IIommuAttachableDomain a)
            foreach (var dev in group.DeviceList) a.DetachDevice(dev);
        if (d.Groups.Count == 0)
        {
            if (_domains.Count == 1)
            {
                foreach (var dma in _dmas.ToList()) RemoveDma(dma);
            }
            FreeDomain(d.Domain);
            _domains.Remove(d);
            AperExpand(copy);
            UpdatePgsizeBitmap();
        }
        if (ResvRefresh(copy) == Errno.None) _iovaList = copy;
        return Errno.None;
    }

    private bool AperConflict(ulong start, ulong end)
    {
        if (_iovaList.Count == 0) return false;
        var first = _iovaList[0];
        var last = _iovaList[^1];
        if (start > last.End || end < first.Start) return true;
        if (start > first.Start && FindDma(first.Start, start - first.Start) is not null) return true;
        if (end < last.End && FindDma(end + 1, last.End - end) is not null) return true;
        return false;
    }

    private static void AperResize(List<VfioIovaRange> iova, ulong start, ulong end)
    {
        if (iova.Count == 0)
        {
            iova.Add(new VfioIovaRange(start, end));
            return;
        }
        // Note the kernel's strict compares: a node ending exactly at the new start (or starting exactly at the
        // new end) is dropped rather than clamped to one address.
        while (iova.Count > 0)
        {
            var n = iova[0];
            if (start < n.Start) break;
            if (start >= n.Start && start < n.End)
            {
                iova[0] = n with { Start = start };
                break;
            }
            iova.RemoveAt(0);
        }
        for (int i = 0; i < iova.Count;)
        {
            var n = iova[i];
            if (end > n.End) { i++; continue; }
            if (end > n.Start && end <= n.End)
            {
                iova[i] = n with { End = end };
                i++;
                continue;
            }
            iova.RemoveAt(i);
        }
    }

    private static Errno ResvExclude(List<VfioIovaRange> iova, IEnumerable<IommuResvRegion> resv)
    {
        foreach (var r in resv)
        {
            if (r.Type == IommuResvType.DirectRelaxable) continue;
            ulong start = r.Start, end = r.Start + r.Length - 1;
            for (int i = 0; i < iova.Count;)
            {
                var n = iova[i];
                if (start > n.End || end < n.Start) { i++; continue; }
                iova.RemoveAt(i);
                int ins = i;
                if (start > n.Start) iova.Insert(ins++, new VfioIovaRange(n.Start, start - 1));
                if (end < n.End) iova.Insert(ins++, new VfioIovaRange(end + 1, n.End));
                i = ins;
            }
        }
        return iova.Count == 0 ? Errno.EINVAL : Errno.None;
    }

    private static bool HasSwMsi(IEnumerable<IommuResvRegion> resv, out ulong baseIova)
    {
        baseIova = 0;
        bool ret = false;
        foreach (var r in resv)
        {
            // Real MSI regions take precedence over the software-managed one.
            if (r.Type == IommuResvType.Msi) return false;
            if (r.Type == IommuResvType.SwMsi)
            {
                baseIova = r.Start;
                ret = true;
            }
        }
        return ret;
    }

    private void AperExpand(List<VfioIovaRange> copy)
    {
        if (copy.Count == 0) return;
        ulong start = 0, end = ulong.MaxValue;
        foreach (var d in _domains)
        {
            start = Math.Max(start, d.Domain.Ops!.ApertureStart);
            end = Math.Min(end, d.Domain.Ops!.ApertureEnd);
        }
        copy[0] = copy[0] with { Start = start };
        copy[^1] = copy[^1] with { End = end };
    }

    private Errno ResvRefresh(List<VfioIovaRange> copy)
    {
        if (copy.Count == 0) return Errno.EINVAL;
        var resv = new IommuResvRegionList();
        foreach (var d in _domains)
            foreach (var g in d.Groups)
                foreach (var dev in g.Devices) resv.InsertDevice(dev.ReservedRegions);
        ulong start = copy[0].Start, end = copy[^1].End;
        copy.Clear();
        AperResize(copy, start, end);
        return ResvExclude(copy, resv.Regions);
    }

    private void UpdatePgsizeBitmap()
    {
        ulong bm = ulong.MaxValue;
        foreach (var d in _domains) bm &= d.Domain.Ops!.PgsizeBitmap;
        ulong pageSize = (ulong)_host.Platform.PageSize, pageMask = ~(pageSize - 1);
        if ((bm & ~pageMask) != 0)
        {
            bm &= pageMask;
            bm |= pageSize;
        }
        PgsizeBitmap = bm;
    }

    private Errno Replay(IommuDomain domain)
    {
        foreach (var dma in _dmas)
        {
            var err = MapRange(domain.Ops!, dma.Iova, dma.Vaddr, dma.Size, dma.Prot, out _);
            if (err != Errno.None) return err;
        }
        return Errno.None;
    }

    // ------------------------------------------------------------------ GET_INFO

    /// <summary>
    /// VFIO_IOMMU_GET_INFO on the user buffer <paramref name="arg"/> (argsz read from its first 4 bytes).
    /// -EINVAL when argsz &lt; 16, -EFAULT when the kernel would touch bytes outside the buffer. When argsz is too
    /// small for the capabilities the kernel succeeds, sets VFIO_IOMMU_INFO_CAPS and writes the needed size to
    /// argsz with cap_offset 0. Linux 6.1 writes back 16 bytes (argsz &lt; 20) or 20 bytes and packs capabilities
    /// unpadded; 6.6+ zero-fills the struct, writes min(argsz, 24) bytes and pads each capability to 8 bytes.
    /// </summary>
    public Errno GetInfo(Span<byte> arg)
    {
        const int minsz0 = 16, capsz = 20;
        if (arg.Length < minsz0) return Errno.EFAULT;
        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(arg);
        if (argsz < minsz0) return Errno.EINVAL;
        bool padded = KernelVersion.VfioPadsCapabilities;
        Span<byte> info = stackalloc byte[VfioFlags.InfoSize];
        arg[..minsz0].CopyTo(info); // copy_from_user(&info, arg, minsz)
        if (padded) info[minsz0..].Clear();
        int minsz = minsz0;
        if (padded) minsz = (int)Math.Min(argsz, (uint)VfioFlags.InfoSize);
        else if (argsz >= capsz)
        {
            minsz = capsz;
            BinaryPrimitives.WriteUInt32LittleEndian(info[16..], 0);
        }
        uint flags = VfioFlags.InfoPgsizes;
        BinaryPrimitives.WriteUInt64LittleEndian(info[8..], PgsizeBitmap);

        byte[] caps = BuildCaps(padded);
        if (caps.Length > 0)
        {
            flags |= VfioFlags.InfoCaps;
            uint needed = (uint)(VfioFlags.InfoSize + caps.Length);
            if (argsz < needed)
                BinaryPrimitives.WriteUInt32LittleEndian(info, needed);
            else
            {
                ShiftCaps(caps, VfioFlags.InfoSize);
                if (arg.Length < needed) return Errno.EFAULT;
                caps.CopyTo(arg[VfioFlags.InfoSize..]);
                BinaryPrimitives.WriteUInt32LittleEndian(info[16..], VfioFlags.InfoSize);
            }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(info[4..], flags);
        if (arg.Length < minsz) return Errno.EFAULT;
        info[..minsz].CopyTo(arg);
        return Errno.None;
    }

    /// <summary>Convenience: runs GET_INFO on a zeroed buffer of <paramref name="argsz"/> bytes and returns it.</summary>
    public byte[] GetInfo(uint argsz, out Errno result)
    {
        var buf = new byte[Math.Max(argsz, 16u)];
        BinaryPrimitives.WriteUInt32LittleEndian(buf, argsz);
        result = GetInfo(buf);
        return buf;
    }

    private byte[] BuildCaps(bool padded)
    {
        var caps = new List<byte>();
        // vfio_info_cap_add(): append, link from the previous cap (offsets relative to the caps buffer).
        int lastHeader = -1;
        void Add(byte[] cap)
        {
            int size = cap.Length;
            if (padded) size = (size + 7) & ~7;
            int offset = caps.Count;
            caps.AddRange(cap);
            for (int i = cap.Length; i < size; i++) caps.Add(0);
            if (lastHeader >= 0)
            {
                var nb = BitConverter.GetBytes((uint)offset);
                for (int i = 0; i < 4; i++) caps[lastHeader + 4 + i] = nb[i];
            }
            lastHeader = offset;
        }
        // migration (id 2, version 1): flags 0, smallest page size, DIRTY_BITMAP_SIZE_MAX.
        var mig = new byte[32];
        WriteHeader(mig, VfioFlags.CapMigration);
        BinaryPrimitives.WriteUInt64LittleEndian(mig.AsSpan(16), 1UL << BitOperations.TrailingZeroCount(PgsizeBitmap));
        BinaryPrimitives.WriteUInt64LittleEndian(mig.AsSpan(24), VfioFlags.DirtyBitmapSizeMax);
        Add(mig);
        // dma_avail (id 3, version 1): 12 bytes.
        var avail = new byte[12];
        WriteHeader(avail, VfioFlags.CapDmaAvail);
        BinaryPrimitives.WriteUInt32LittleEndian(avail.AsSpan(8), DmaAvail);
        Add(avail);
        // iova_range (id 1, version 1): omitted for an empty list (mdev-only container).
        if (_iovaList.Count > 0)
        {
            var iov = new byte[16 + 16 * _iovaList.Count];
            WriteHeader(iov, VfioFlags.CapIovaRange);
            BinaryPrimitives.WriteUInt32LittleEndian(iov.AsSpan(8), (uint)_iovaList.Count);
            for (int i = 0; i < _iovaList.Count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(iov.AsSpan(16 + 16 * i), _iovaList[i].Start);
                BinaryPrimitives.WriteUInt64LittleEndian(iov.AsSpan(24 + 16 * i), _iovaList[i].End);
            }
            Add(iov);
        }
        return caps.ToArray();
    }

    private static void WriteHeader(byte[] cap, ushort id)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(cap, id);
        BinaryPrimitives.WriteUInt16LittleEndian(cap.AsSpan(2), 1);
    }

    // vfio_info_cap_shift(): make every non-zero next absolute.
    private static void ShiftCaps(byte[] caps, int offset)
    {
        int tmp = 0;
        while (true)
        {
            uint next = BinaryPrimitives.ReadUInt32LittleEndian(caps.AsSpan(tmp + 4));
            if (next == 0) break;
            BinaryPrimitives.WriteUInt32LittleEndian(caps.AsSpan(tmp + 4), next + (uint)offset);
            tmp = (int)next;
        }
    }

    // ------------------------------------------------------------------ MAP / UNMAP

    /// <summary>VFIO_IOMMU_MAP_DMA on a raw user argument (struct vfio_iommu_type1_dma_map).</summary>
    public Errno MapDma(ReadOnlySpan<byte> arg)
    {
        if (arg.Length < VfioDmaMap.MinSize) return Errno.EFAULT;
        var m = new VfioDmaMap(BinaryPrimitives.ReadUInt32LittleEndian(arg), BinaryPrimitives.ReadUInt32LittleEndian(arg[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(arg[8..]), BinaryPrimitives.ReadUInt64LittleEndian(arg[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(arg[24..]));
        return MapDma(m);
    }

    /// <summary>
    /// VFIO_IOMMU_MAP_DMA: -EINVAL (argsz, flags, READ/WRITE vs VADDR, size 0 or unaligned to the smallest page,
    /// wrap) -&gt; -EEXIST (overlaps a mapping) -&gt; -ENOSPC (dma_entry_limit used up) -&gt; -EINVAL (not inside one
    /// valid IOVA range) -&gt; pin/map errors (-EFAULT unbacked vaddr, map errors), which undo the mapping.
    /// </summary>
    public Errno MapDma(in VfioDmaMap map)
    {
        const uint mask = VfioFlags.MapRead | VfioFlags.MapWrite | VfioFlags.MapVaddr;
        if (map.Argsz < VfioDmaMap.MinSize || (map.Flags & ~mask) != 0) return Errno.EINVAL;
        bool setVaddr = (map.Flags & VfioFlags.MapVaddr) != 0;
        IommuProt prot = IommuProt.None;
        if ((map.Flags & VfioFlags.MapWrite) != 0) prot |= IommuProt.Write;
        if ((map.Flags & VfioFlags.MapRead) != 0) prot |= IommuProt.Read;
        if ((prot != 0 && setVaddr) || (prot == 0 && !setVaddr)) return Errno.EINVAL;

        ulong pgsize = 1UL << BitOperations.TrailingZeroCount(PgsizeBitmap);
        ulong iova = map.Iova, vaddr = map.Vaddr, size = map.Size;
        if (size == 0 || ((size | iova | vaddr) & (pgsize - 1)) != 0) return Errno.EINVAL;
        if (iova + size - 1 < iova || vaddr + size - 1 < vaddr) return Errno.EINVAL;

        var dma = FindDma(iova, size);
        if (setVaddr)
        {
            if (dma is null) return Errno.ENOENT;
            if (!dma.VaddrInvalid || dma.Iova != iova || dma.Size != size) return Errno.EINVAL;
            dma.Vaddr = vaddr;
            dma.VaddrInvalid = false;
            return Errno.None;
        }
        if (dma is not null) return Errno.EEXIST;
        if (DmaAvail == 0) return Errno.ENOSPC;
        if (!IovaDmaValid(iova, iova + size - 1)) return Errno.EINVAL;

        DmaAvail--;
        dma = new VfioDma(iova, vaddr, 0, prot);
        LinkDma(dma);
        if (_domains.Count == 0)
        {
            dma.Size = size;
            return Errno.None;
        }
        // vfio_pin_map_dma: pin a physically contiguous run, map it into every domain, grow the dma; on error
        // unwind the run from the domains already done, then remove the dma (which unmaps the grown part).
        ulong page = (ulong)_host.Platform.PageSize;
        while (dma.Size < size)
        {
            ulong done = dma.Size;
            if (!_userMemory.TryTranslate(vaddr + done, out ulong pa))
            {
                RemoveDma(dma);
                return Errno.EFAULT;
            }
            ulong run = page;
            while (done + run < size && _userMemory.TryTranslate(vaddr + done + run, out ulong next) && next == pa + run) run += page;
            for (int i = 0; i < _domains.Count; i++)
            {
                var err = IommuCore.Map(_domains[i].Domain.Ops!, iova + done, pa, run, prot | IommuProt.Cache);
                if (err != Errno.None)
                {
                    for (int j = 0; j < i; j++) IommuCore.Unmap(_domains[j].Domain.Ops!, iova + done, run);
                    RemoveDma(dma);
                    return err;
                }
            }
            dma.Size = done + run;
        }
        return Errno.None;
    }

    private Errno MapRange(IIommuDomainOps ops, ulong iova, ulong vaddr, ulong size, IommuProt prot, out ulong done)
    {
        ulong page = (ulong)_host.Platform.PageSize;
        done = 0;
        while (done < size)
        {
            if (!_userMemory.TryTranslate(vaddr + done, out ulong pa)) return Errno.EFAULT;
            ulong run = page;
            while (done + run < size && _userMemory.TryTranslate(vaddr + done + run, out ulong next) && next == pa + run) run += page;
            var err = IommuCore.Map(ops, iova + done, pa, run, prot | IommuProt.Cache);
            if (err != Errno.None) return err;
            done += run;
        }
        return Errno.None;
    }

    private bool IovaDmaValid(ulong start, ulong end)
    {
        foreach (var n in _iovaList)
            if (start >= n.Start && end <= n.End) return true;
        return _iovaList.Count == 0; // a container with a single mdev device has an empty list
    }

    /// <summary>VFIO_IOMMU_UNMAP_DMA on a raw user argument; the unmapped size is written back on success.</summary>
    public Errno UnmapDma(Span<byte> arg)
    {
        if (arg.Length < VfioDmaUnmap.MinSize) return Errno.EFAULT;
        var u = new VfioDmaUnmap(BinaryPrimitives.ReadUInt32LittleEndian(arg), BinaryPrimitives.ReadUInt32LittleEndian(arg[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(arg[8..]), BinaryPrimitives.ReadUInt64LittleEndian(arg[16..]));
        var err = UnmapDma(ref u);
        if (err == Errno.None) BinaryPrimitives.WriteUInt64LittleEndian(arg[16..], u.Size);
        return err;
    }

    /// <summary>
    /// VFIO_IOMMU_UNMAP_DMA: -EINVAL for bad argsz/flags, unaligned iova/size, size 0, wrap, an unmap that
    /// bisects a mapping (v2), or a dirty-bitmap request (dirty tracking is not modelled, so never enabled).
    /// A range with nothing mapped succeeds with size 0. <paramref name="unmap"/>.Size returns the bytes unmapped.
    /// </summary>
    public Errno UnmapDma(ref VfioDmaUnmap unmap)
    {
        const uint mask = VfioFlags.UnmapGetDirtyBitmap | VfioFlags.UnmapAll | VfioFlags.UnmapVaddr;
        if (unmap.Argsz < VfioDmaUnmap.MinSize || (unmap.Flags & ~mask) != 0) return Errno.EINVAL;
        if ((unmap.Flags & VfioFlags.UnmapGetDirtyBitmap) != 0 && (unmap.Flags & (VfioFlags.UnmapAll | VfioFlags.UnmapVaddr)) != 0)
            return Errno.EINVAL;

        ulong unmapped = 0;
        var ret = DoUnmap(unmap, ref unmapped);
        unmap.Size = unmapped;
        return ret;
    }

    private Errno DoUnmap(in VfioDmaUnmap unmap, ref ulong unmapped)
    {
        ulong pgsize = 1UL << BitOperations.TrailingZeroCount(PgsizeBitmap);
        ulong iova = unmap.Iova, size = unmap.Size;
        bool unmapAll = (unmap.Flags & VfioFlags.UnmapAll) != 0;
        bool invalidateVaddr = (unmap.Flags & VfioFlags.UnmapVaddr) != 0;
        if ((iova & (pgsize - 1)) != 0) return Errno.EINVAL;
        if (unmapAll)
        {
            if (iova != 0 || size != 0) return Errno.EINVAL;
            size = ulong.MaxValue;
        }
        else if (size == 0 || (size & (pgsize - 1)) != 0 || iova + size - 1 < iova) return Errno.EINVAL;
        if ((unmap.Flags & VfioFlags.UnmapGetDirtyBitmap) != 0) return Errno.EINVAL;

        if (Options.Type1v2 && !unmapAll)
        {
            var d = FindDma(iova, 1);
            if (d is not null && d.Iova != iova) return Errno.EINVAL;
            d = FindDma(iova + size - 1, 0);
            if (d is not null && d.Iova + d.Size != iova + size) return Errno.EINVAL;
        }

        int first = FindDmaFirstIndex(iova, size);
        if (first < 0) return Errno.None;
        int n = first;
        while (n < _dmas.Count)
        {
            var dma = _dmas[n];
            if (dma.Iova >= iova + size) break;
            if (!Options.Type1v2 && iova > dma.Iova) break;
            if (invalidateVaddr)
            {
                if (dma.VaddrInvalid)
                {
                    for (int k = first; k < n; k++) _dmas[k].VaddrInvalid = false;
                    unmapped = 0;
                    return Errno.EINVAL;
                }
                dma.VaddrInvalid = true;
                unmapped += dma.Size;
                n++;
                continue;
            }
            unmapped += dma.Size;
            RemoveDma(dma); // the next node slides into index n
        }
        return Errno.None;
    }

    // ------------------------------------------------------------------ vfio_dma list

    /// <summary>vfio_find_dma(): any mapping overlapping [start, start + size) (size 0: strictly containing start).</summary>
    private VfioDma? FindDma(ulong start, ulong size)
    {
        foreach (var dma in _dmas)
        {
            if (start + size <= dma.Iova) continue;
            if (start >= dma.Iova + dma.Size) continue;
            return dma;
        }
        return null;
    }

    private int FindDmaFirstIndex(ulong start, ulong size)
    {
        for (int i = 0; i < _dmas.Count; i++)
        {
            var dma = _dmas[i];
            if (start < dma.Iova + dma.Size)
            {
                if (size != 0 && dma.Iova >= start + size) return -1;
                return i;
            }
        }
        return -1;
    }

    private void LinkDma(VfioDma dma)
    {
        int i = 0;
        while (i < _dmas.Count && _dmas[i].Iova < dma.Iova) i++;
        _dmas.Insert(i, dma);
    }

    private void RemoveDma(VfioDma dma)
    {
        if (dma.Size != 0)
            foreach (var d in _domains) IommuCore.Unmap(d.Domain.Ops!, dma.Iova, dma.Size);
        _dmas.Remove(dma);
        DmaAvail++;
    }

    // ------------------------------------------------------------------ MSI

    /// <summary>
    /// What happens when the user enables MSI/MSI-X on <paramref name="device"/> (VFIO_DEVICE_SET_IRQS): the
    /// irqchip composes its doorbell through the group's VFIO domain — mapped in the SW_MSI window by the MSI
    /// cookie (0x8000040 for the capture's ITS), or the physical address when the domain has no cookie.
    /// </summary>
    public Errno EnableDeviceMsi(HostDevice device, out ulong msiAddress)
    {
        msiAddress = 0;
        var domain = DomainOf(device.Group);
        if (domain is null) return Errno.ENODEV;
        return _host.ComposeMsiAddress(device, domain, out msiAddress);
    }
}
