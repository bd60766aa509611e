namespace HwEmu.Devices.Pcie;

/// <summary>
/// Functional model of where an upstream memory request from an endpoint goes: the PCIe hierarchy (root ports,
/// switches with or without ACS, PCIe-to-PCI bridges, endpoints with BARs), the iommu-map and msi-map, and the
/// position of the MSI doorbell. <see cref="Route"/> decides peer-to-peer (a switch downstream port without ACS
/// P2P Request Redirect forwards a request that hits a peer BAR below the same switch; it never reaches the SMMU),
/// MSI bypass (doorbell in the host bridge, upstream of the SMMU) or up to the SMMU with a StreamID; the requester
/// ID seen upstream is the DMA alias of the topmost PCIe-to-PCI bridge crossed. No time: the timing layer adds link
/// and switch latency.
/// </summary>
public sealed class RootComplex
{
    private readonly List<Node> _nodes = [];
    private readonly List<(ulong Start, ulong End, int Endpoint)> _bars = [];
    private (ulong Start, ulong End, int Endpoint)[] _barArray = [];

    private sealed class Node
    {
        public required string Name;
        public required FabricNodeKind Kind;
        public required ushort Rid;
        public required int Parent;
        public required int[] Ancestors; // parent first, root port last
        public int SecondaryBus = -1;
        public FabricAcs Acs;
        public ushort UpstreamRid; // requester ID as seen at the root complex
        public PciBridgeAlias AliasMode;
    }

    /// <summary>Creates an empty fabric.</summary>
    /// <param name="iommuMap">Requester ID to StreamID.</param>
    /// <param name="msiMap">Requester ID to MSI DeviceID.</param>
    /// <param name="msiDoorbellBase">Start of the MSI doorbell window (GITS_TRANSLATER page or v2m frame).</param>
    /// <param name="msiDoorbellSize">Size of the doorbell window (0 = no MSI controller).</param>
    /// <param name="msiUpstream">The doorbell is decoded in the host bridge, before the SMMU.</param>
    public RootComplex(IdMap iommuMap, IdMap msiMap, ulong msiDoorbellBase, ulong msiDoorbellSize, bool msiUpstream)
    {
        ArgumentNullException.ThrowIfNull(iommuMap);
        ArgumentNullException.ThrowIfNull(msiMap);
        IommuMap = iommuMap;
        MsiMap = msiMap;
        MsiDoorbellBase = msiDoorbellBase;
        MsiDoorbellSize = msiDoorbellSize;
        MsiUpstream = msiUpstream;
    }

    /// <summary>Requester ID to StreamID.</summary>
    public IdMap IommuMap { get; }
    /// <summary>Requester ID to MSI DeviceID.</summary>
    public IdMap MsiMap { get; }
    /// <summary>Start of the MSI doorbell window.</summary>
    public ulong MsiDoorbellBase { get; }
    /// <summary>Size of the MSI doorbell window.</summary>
    public ulong MsiDoorbellSize { get; }
    /// <summary>MSIs are decoded upstream of the SMMU and never translated.</summary>
    public bool MsiUpstream { get; }

    /// <summary>Number of nodes (functions).</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Requests routed peer-to-peer so far.</summary>
    public long PeerToPeerCount { get; private set; }
    /// <summary>MSI writes that bypassed the SMMU so far.</summary>
    public long MsiBypassCount { get; private set; }
    /// <summary>Requests a switch redirected upstream because of ACS so far.</summary>
    public long AcsRedirectCount { get; private set; }

    /// <summary>Adds a root port on bus 0.</summary>
    public int AddRootPort(string name, ushort rid, int secondaryBus, FabricAcs acs = FabricAcs.None)
    {
        if (rid >> 8 != 0) throw new ArgumentException($"root port {name} must be on bus 0", nameof(rid));
        return Add(name, FabricNodeKind.RootPort, rid, -1, secondaryBus, acs, PciBridgeAlias.SecondaryBusDevfn0);
    }

    /// <summary>Adds the upstream port of a switch below <paramref name="parent"/>; <paramref name="internalBus"/> links it to its downstream ports.</summary>
    public int AddSwitchUpstreamPort(string name, ushort rid, int parent, int internalBus) =>
        Add(name, FabricNodeKind.SwitchUpstreamPort, rid, CheckParent(parent, false), internalBus, FabricAcs.None, PciBridgeAlias.SecondaryBusDevfn0);

    /// <summary>Adds a downstream port to the switch whose upstream port is <paramref name="upstreamPort"/>.</summary>
    public int AddSwitchDownstreamPort(string name, ushort rid, int upstreamPort, int secondaryBus, FabricAcs acs)
    {
        if (upstreamPort < 0 || upstreamPort >= _nodes.Count || _nodes[upstreamPort].Kind != FabricNodeKind.SwitchUpstreamPort)
            throw new ArgumentException($"node {upstreamPort} is not a switch upstream port", nameof(upstreamPort));
        return Add(name, FabricNodeKind.SwitchDownstreamPort, rid, upstreamPort, secondaryBus, acs, PciBridgeAlias.SecondaryBusDevfn0);
    }

    /// <summary>Adds a PCIe-to-PCI bridge below <paramref name="parent"/>.</summary>
    public int AddPciBridge(string name, ushort rid, int parent, int secondaryBus, PciBridgeAlias alias = PciBridgeAlias.SecondaryBusDevfn0) =>
        Add(name, FabricNodeKind.PciBridge, rid, CheckParent(parent, true), secondaryBus, FabricAcs.None, alias);

    /// <summary>Adds an endpoint below <paramref name="parent"/>.</summary>
    public int AddEndpoint(string name, ushort rid, int parent) =>
        Add(name, FabricNodeKind.Endpoint, rid, CheckParent(parent, true), -1, FabricAcs.None, PciBridgeAlias.SecondaryBusDevfn0);

    /// <summary>Adds a memory BAR [address, address+size) to endpoint <paramref name="endpoint"/>.</summary>
    public void AddBar(int endpoint, ulong address, ulong size)
    {
        if (endpoint < 0 || endpoint >= _nodes.Count || _nodes[endpoint].Kind != FabricNodeKind.Endpoint)
            throw new ArgumentException($"node {endpoint} is not an endpoint", nameof(endpoint));
        if (size == 0 || address + size < address) throw new ArgumentException("empty or wrapping BAR", nameof(size));
        foreach ((ulong s, ulong e, int _) in _bars)
            if (address < e && s < address + size) throw new ArgumentException($"BAR 0x{address:x}+0x{size:x} overlaps another BAR", nameof(address));
        _bars.Add((address, address + size, endpoint));
        _barArray = _bars.ToArray();
    }

    /// <summary>Index of the node called <paramref name="name"/>, or -1.</summary>
    public int Find(string name)
    {
        for (int i = 0; i < _nodes.Count; i++) if (_nodes[i].Name == name) return i;
        return -1;
    }

    /// <summary>Name of node <paramref name="node"/>.</summary>
    public string NameOf(int node) => _nodes[node].Name;
    /// <summary>Kind of node <paramref name="node"/>.</summary>
    public FabricNodeKind KindOf(int node) => _nodes[node].Kind;
    /// <summary>Own requester ID of node <paramref name="node"/>.</summary>
    public ushort RidOf(int node) => _nodes[node].Rid;
    /// <summary>Parent of node <paramref name="node"/> (-1 for a root port).</summary>
    public int ParentOf(int node) => _nodes[node].Parent;

    /// <summary>Requester ID that requests of <paramref name="endpoint"/> carry when they reach the root complex.</summary>
    public ushort UpstreamRequesterId(int endpoint) => _nodes[endpoint].UpstreamRid;

    /// <summary>
    /// Every requester ID the IOMMU may see for <paramref name="endpoint"/> (its own, then each bridge alias going
    /// up), which is what Linux's pci_for_each_dma_alias makes it program STEs for. Allocates; not for hot paths.
    /// </summary>
    public IReadOnlyList<ushort> DmaAliases(int endpoint)
    {
        Node n = _nodes[endpoint];
        var list = new List<ushort> { n.Rid };
        foreach (int a in n.Ancestors)
        {
            Node b = _nodes[a];
            if (b.Kind != FabricNodeKind.PciBridge) continue;
            ushort alias = Alias(b);
            if (!list.Contains(alias)) list.Add(alias);
        }
        return list;
    }

    /// <summary>The endpoint whose BAR contains <paramref name="address"/>, or -1.</summary>
    public int FindBarOwner(ulong address)
    {
        (ulong Start, ulong End, int Endpoint)[] bars = _barArray;
        for (int i = 0; i < bars.Length; i++)
            if (address >= bars[i].Start && address < bars[i].End) return bars[i].Endpoint;
        return -1;
    }

    /// <summary>
    /// Routes a memory request of <paramref name="endpoint"/> to <paramref name="address"/> (an untranslated
    /// IOVA as the device emits it). Counts P2P, ACS redirects and MSI bypasses. No allocation.
    /// </summary>
    public FabricRoute Route(int endpoint, ulong address, bool write)
    {
        Node src = _nodes[endpoint];
        if (src.Kind != FabricNodeKind.Endpoint) throw new ArgumentException($"node {endpoint} is not an endpoint", nameof(endpoint));
        ushort rid = src.UpstreamRid;
        bool isMsi = write && MsiDoorbellSize != 0 && address >= MsiDoorbellBase && address - MsiDoorbellBase < MsiDoorbellSize;
        uint deviceId = MsiMap.TryMap(rid, out uint did) ? did : uint.MaxValue;
        bool redirected = false;
        int routedAt = -1;

        int target = FindBarOwner(address);
        if (target >= 0 && target != endpoint)
        {
            int[] ta = _nodes[target].Ancestors;
            foreach (int x in src.Ancestors)
            {
                Node port = _nodes[x];
                if (port.Kind == FabricNodeKind.PciBridge)
                {
                    // Conventional PCI is a shared bus: a peer on it claims the cycle directly.
                    if (Array.IndexOf(ta, x) >= 0)
                    {
                        PeerToPeerCount++;
                        return new FabricRoute(FabricRouteKind.PeerToPeer, rid, 0, deviceId, isMsi, target, x, false);
                    }
                }
                else if (port.Kind == FabricNodeKind.SwitchDownstreamPort)
                {
                    if (PeerBelowSameSwitch(ta, x))
                    {
                        // PCIe r6.0 §6.12.1.1: with P2P Request Redirect (or Egress Control blocking) the downstream
                        // port forwards the request upstream instead of to the peer.
                        if ((port.Acs & (FabricAcs.RequestRedirect | FabricAcs.EgressControl)) != 0)
                        {
                            redirected = true;
                            routedAt = x;
                            AcsRedirectCount++;
                            break;
                        }
                        PeerToPeerCount++;
                        return new FabricRoute(FabricRouteKind.PeerToPeer, rid, 0, deviceId, isMsi, target, x, false);
                    }
                }
                else if (port.Kind == FabricNodeKind.RootPort) break;
            }
        }

        if (isMsi && MsiUpstream)
        {
            MsiBypassCount++;
            return new FabricRoute(FabricRouteKind.MsiBypass, rid, 0, deviceId, true, -1, routedAt, redirected);
        }
        if (!IommuMap.TryMap(rid, out uint sid))
            return new FabricRoute(FabricRouteKind.NoStreamId, rid, 0, deviceId, isMsi, -1, routedAt, redirected);
        return new FabricRoute(FabricRouteKind.ToSmmu, rid, sid, deviceId, isMsi, -1, routedAt, redirected);
    }

    // The target hangs below another downstream port of the switch that ingress port x belongs to.
    private bool PeerBelowSameSwitch(int[] targetAncestors, int x)
    {
        int usp = _nodes[x].Parent;
        foreach (int a in targetAncestors)
        {
            Node n = _nodes[a];
            if (n.Kind == FabricNodeKind.SwitchDownstreamPort && n.Parent == usp) return a != x;
        }
        return false;
    }

    private static ushort Alias(Node bridge) => bridge.AliasMode == PciBridgeAlias.BridgeRid
        ? bridge.Rid
        : (ushort)(bridge.SecondaryBus << 8);

    private int CheckParent(int parent, bool allowBridge)
    {
        if (parent < 0 || parent >= _nodes.Count) throw new ArgumentException($"no node {parent}", nameof(parent));
        FabricNodeKind k = _nodes[parent].Kind;
        if (k is FabricNodeKind.RootPort or FabricNodeKind.SwitchDownstreamPort || (allowBridge && k == FabricNodeKind.PciBridge)) return parent;
        throw new ArgumentException($"node {parent} ({k}) cannot have children of this kind", nameof(parent));
    }

    private int Add(string name, FabricNodeKind kind, ushort rid, int parent, int secondaryBus, FabricAcs acs, PciBridgeAlias alias)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Find(name) >= 0) throw new ArgumentException($"duplicate node name {name}", nameof(name));
        foreach (Node n in _nodes)
            if (n.Rid == rid) throw new ArgumentException($"duplicate requester ID 0x{rid:x4} ({name} and {n.Name})", nameof(rid));
        if (parent >= 0 && _nodes[parent].SecondaryBus != rid >> 8)
            throw new ArgumentException($"{name} at bus {rid >> 8:x2} is not on the secondary bus {_nodes[parent].SecondaryBus:x2} of {_nodes[parent].Name}", nameof(rid));
        int[] ancestors = parent < 0 ? [] : [parent, .. _nodes[parent].Ancestors];
        var node = new Node { Name = name, Kind = kind, Rid = rid, Parent = parent, Ancestors = ancestors, SecondaryBus = secondaryBus, Acs = acs, AliasMode = alias };
        // The topmost PCIe-to-PCI bridge crossed owns the transaction upstream (it rewrites the RID last).
        node.UpstreamRid = rid;
        foreach (int a in ancestors)
            if (_nodes[a].Kind == FabricNodeKind.PciBridge) node.UpstreamRid = Alias(_nodes[a]);
        _nodes.Add(node);
        return _nodes.Count - 1;
    }
}
