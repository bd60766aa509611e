using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;

namespace HwEmu.Tests.Gic;

/// <summary>Errors behave like hardware: parameter errors skip the command (recorded), memory faults stall the queue, bad MSIs are dropped and counted.</summary>
public class ItsErrorTests
{
    private static ItsTestMachine Mapped()
    {
        var m = new ItsTestMachine().Init();
        m.SetConfig(8195, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(3, 3, true), ItsCommand.Mapti(2, 20, 8195, 3));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
        return m;
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        // Flat 64 KiB tables with 8-byte entries: 8192 DeviceIDs and 8192 collections.
        yield return new TestCaseData(ItsCommand.Mapd(8192, 7, 0x4200_0000, true), ItsCommandError.MapdDeviceOor).SetName("MAPD DeviceID beyond the table");
        yield return new TestCaseData(ItsCommand.Mapd(3, 16, 0x4200_0000, true), ItsCommandError.MapdIttSizeOor).SetName("MAPD Size beyond IDbits");
        yield return new TestCaseData(ItsCommand.Mapc(8192, 0, true), ItsCommandError.MapcCollectionOor).SetName("MAPC ICID beyond the table");
        yield return new TestCaseData(ItsCommand.Mapc(4, 4, true), ItsCommandError.MapcProcnumOor).SetName("MAPC RDbase beyond the CPUs");
        yield return new TestCaseData(ItsCommand.Mapti(8192, 0, 8200, 3), ItsCommandError.MaptiDeviceOor).SetName("MAPTI DeviceID beyond the table");
        yield return new TestCaseData(ItsCommand.Mapti(5, 0, 8200, 3), ItsCommandError.MaptiUnmappedDevice).SetName("MAPTI unmapped device");
        yield return new TestCaseData(ItsCommand.Mapti(2, 256, 8200, 3), ItsCommandError.MaptiIdOor).SetName("MAPTI EventID beyond the ITT");
        yield return new TestCaseData(ItsCommand.Mapti(2, 1, 8191, 3), ItsCommandError.MaptiPhysicalIdOor).SetName("MAPTI pINTID below 8192");
        yield return new TestCaseData(ItsCommand.Mapti(2, 1, 65536, 3), ItsCommandError.MaptiPhysicalIdOor).SetName("MAPTI pINTID beyond IDbits");
        yield return new TestCaseData(ItsCommand.Mapti(2, 1, 8200, 8192), ItsCommandError.MaptiCollectionOor).SetName("MAPTI ICID beyond the table");
        yield return new TestCaseData(ItsCommand.Mapi(5, 8200, 3), ItsCommandError.MapiUnmappedDevice).SetName("MAPI unmapped device");
        yield return new TestCaseData(ItsCommand.Mapi(2, 8200, 3), ItsCommandError.MapiIdOor).SetName("MAPI EventID beyond the ITT");
        yield return new TestCaseData(ItsCommand.Int(2, 21), ItsCommandError.IntUnmappedInterrupt).SetName("INT unmapped event");
        yield return new TestCaseData(ItsCommand.Int(5, 20), ItsCommandError.IntUnmappedInterrupt).SetName("INT unmapped device");
        yield return new TestCaseData(ItsCommand.Int(9000, 20), ItsCommandError.IntUnmappedInterrupt).SetName("INT DeviceID beyond the table");
        yield return new TestCaseData(ItsCommand.Clear(2, 300), ItsCommandError.ClearUnmappedInterrupt).SetName("CLEAR EventID beyond the ITT");
        yield return new TestCaseData(ItsCommand.Discard(2, 21), ItsCommandError.DiscardUnmappedInterrupt).SetName("DISCARD unmapped event");
        yield return new TestCaseData(ItsCommand.Inv(2, 21), ItsCommandError.InvUnmappedInterrupt).SetName("INV unmapped event");
        yield return new TestCaseData(ItsCommand.Invall(9), ItsCommandError.InvallUnmappedCollection).SetName("INVALL unmapped collection");
        yield return new TestCaseData(ItsCommand.Movi(2, 21, 3), ItsCommandError.MoviUnmappedInterrupt).SetName("MOVI unmapped event");
        yield return new TestCaseData(ItsCommand.Movi(2, 20, 9), ItsCommandError.MoviUnmappedCollection).SetName("MOVI to unmapped collection");
        yield return new TestCaseData(ItsCommand.Movall(0, 4), ItsCommandError.MovallProcnumOor).SetName("MOVALL RDbase beyond the CPUs");
        yield return new TestCaseData(new ItsCommand(0x00, 0, 0, 0), ItsCommandError.UnknownCommand).SetName("Opcode 0x00");
        yield return new TestCaseData(new ItsCommand(0x29, 0, 0, 0), ItsCommandError.UnknownCommand).SetName("VMAPP (GICv4 not modelled)");
    }

    [TestCaseSource(nameof(Cases))]
    public void ParameterError_SkipsTheCommandAndRecordsIt(ItsCommand command, ItsCommandError expected)
    {
        var m = Mapped();
        ulong dt = m.Mem.Read64(ItsTestMachine.DevTable + 2 * 8);
        m.Send(command);
        Assert.That(m.Its.LastError, Is.EqualTo(expected));
        Assert.That((int)expected >> 16, Is.EqualTo(1));
        Assert.That(m.Its.ErrorCount(expected), Is.EqualTo(1));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(1));
        Assert.That(m.Its.Stalled, Is.False);
        Assert.That(m.ItsRead(0x90), Is.EqualTo((ulong)m.QueueIndex << 5), "CREADR moved past the command");
        Assert.That(m.Mem.Read64(ItsTestMachine.DevTable + 2 * 8), Is.EqualTo(dt));
        // The queue keeps going: the next command executes.
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.Count(3, 8195), Is.EqualTo(1));
    }

    [Test]
    public void IntToAnUnmappedCollection_IsSkipped()
    {
        var m = Mapped();
        m.Send(ItsCommand.Mapti(2, 22, 8197, 7));
        m.Send(ItsCommand.Int(2, 22));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.IntUnmappedCollection));
        m.Send(ItsCommand.Inv(2, 22));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.InvUnmappedCollection));
        m.Send(ItsCommand.Discard(2, 22));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.DiscardUnmappedCollection));
        Assert.That(m.Mem.Read64(ItsTestMachine.Itt(2) + 22 * 12), Is.Not.EqualTo(0UL), "a skipped DISCARD leaves the ITE");
    }

    [Test]
    public void CommandReadFault_StallsTheQueue_UntilCbaserIsRewritten()
    {
        var m = new ItsTestMachine().Init();
        m.ItsWrite(0x0, 0, 4);
        m.ItsWrite(0x80, 0x1000_0000UL | (1UL << 63));   // no RAM there
        m.ItsWrite(0x0, 1, 4);
        m.ItsWrite(0x88, 2 << 5);
        Assert.That(m.Its.Stalled, Is.True);
        Assert.That(m.Its.StallReason, Is.EqualTo(ItsStallReason.CommandReadFault));
        Assert.That(m.ItsRead(0x90), Is.EqualTo(1UL), "CREADR.Stalled, offset 0");
        m.ItsWrite(0x88, (2 << 5) | 1);   // Retry: faults again
        Assert.That(m.ItsRead(0x90), Is.EqualTo(1UL));
        m.ItsWrite(0x0, 0, 4);
        m.ItsWrite(0x80, ItsTestMachine.CmdQ | (1UL << 63));
        Assert.That(m.ItsRead(0x90), Is.EqualTo(0UL), "writing CBASER resets CREADR and the stall");
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
    }

    [Test]
    public void TableFaults_StallOnTheFaultingCommand_AndRetryResumes()
    {
        var m = new ItsTestMachine();
        m.Init(deviceBaser: 0x2000_0000UL | (1UL << 56) | (7UL << 48) | (2UL << 8) | (1UL << 63)); // device table in a hole
        m.Send(ItsCommand.Mapc(0, 0, true));
        m.Send(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true));
        Assert.That(m.Its.Stalled, Is.True);
        Assert.That(m.Its.StallReason, Is.EqualTo(ItsStallReason.TableWriteFault));
        Assert.That(m.ItsRead(0x90), Is.EqualTo((1UL << 5) | 1), "CREADR stays on the MAPD");
        m.Send(ItsCommand.Int(2, 0));
        Assert.That(m.ItsRead(0x90), Is.EqualTo((1UL << 5) | 1), "a stalled queue does not move");
        // Back the hole with RAM and retry: MAPD then INT (unmapped event → skipped) run.
        m.Bus.AddRam(0x2000_0000, 0x1_0000, "late");
        m.ItsWrite(0x88, ((ulong)m.QueueIndex << 5) | 1);
        Assert.That(m.Its.Stalled, Is.False);
        Assert.That(m.ItsRead(0x90), Is.EqualTo((ulong)m.QueueIndex << 5));
        Assert.That(m.Mem.Read64(0x2000_0000 + 2 * 8) & 1, Is.EqualTo(1UL));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.IntUnmappedInterrupt));
    }

    [Test]
    public void IteReadFault_StallsInt_AndBusErrorsTheMsi()
    {
        var m = new ItsTestMachine().Init();
        m.SendAll(ItsCommand.Mapd(2, 7, 0x2000_0000, true), ItsCommand.Mapc(0, 0, true));
        Assert.That(m.Msi(2, 1), Is.EqualTo(BusStatus.SlaveError), "QEMU answers MEMTX_ERROR when a table read faults");
        Assert.That(m.Its.TranslationCount(ItsTranslationResult.TableFault), Is.EqualTo(1));
        m.Send(ItsCommand.Int(2, 1));
        Assert.That(m.Its.StallReason, Is.EqualTo(ItsStallReason.IteReadFault));
    }

    [Test]
    public void QueueOffsetsBeyondTheQueue_AreNotProcessed()
    {
        var m = new ItsTestMachine().Init();
        m.ItsWrite(0x0, 0, 4);
        m.ItsWrite(0x80, ItsTestMachine.CmdQ | (1UL << 63)); // one 4 KiB page: 128 commands
        m.ItsWrite(0x0, 1, 4);
        m.ItsWrite(0x88, 200 << 5);
        Assert.That(m.Its.InvalidQueueOffsets, Is.EqualTo(1));
        Assert.That(m.Its.CommandsProcessed, Is.EqualTo(0));
        Assert.That(m.Its.Stalled, Is.False);
    }

    [Test]
    public void TranslaterDrops_AreCountedPerReason()
    {
        var m = Mapped();
        m.Send(ItsCommand.Mapti(2, 22, 8197, 7));            // collection 7 unmapped
        m.SendAll(ItsCommand.Mapc(1, 1, true), ItsCommand.Mapti(2, 23, 8198, 1));
        m.Mem.Write64(ItsTestMachine.CollTable + 1 * 8, 1 | (9 << 1)); // CTE → RD 9 (written behind the ITS's back)
        Assert.That(m.Its.Translate(9000, 0, 0), Is.EqualTo(ItsTranslationResult.DeviceOutOfRange));
        Assert.That(m.Its.Translate(5, 0, 0), Is.EqualTo(ItsTranslationResult.UnmappedDevice));
        Assert.That(m.Its.Translate(2, 256, 0), Is.EqualTo(ItsTranslationResult.EventOutOfRange));
        Assert.That(m.Its.Translate(2, 21, 0), Is.EqualTo(ItsTranslationResult.UnmappedEvent));
        Assert.That(m.Its.Translate(2, 22, 0), Is.EqualTo(ItsTranslationResult.UnmappedCollection));
        Assert.That(m.Its.Translate(2, 23, 0), Is.EqualTo(ItsTranslationResult.NoSuchRedistributor));
        m.ItsWrite(0x0, 0, 4);
        Assert.That(m.Msi(2, 20), Is.EqualTo(BusStatus.Ok));
        Assert.That(m.Its.LastTranslation.Result, Is.EqualTo(ItsTranslationResult.ItsDisabled));
        Assert.That(m.Its.DroppedMsis, Is.EqualTo(7));
        Assert.That(m.TotalDelivered(), Is.EqualTo(0));
    }

    [Test]
    public void DeviceIdComesFromTheSideBand_NotFromTheData()
    {
        var m = Mapped();
        // DeviceID 7 writes EventID 20 (mapped for DeviceID 2 only): dropped, and data bits never select a device.
        Assert.That(m.Msi(7, 20), Is.EqualTo(BusStatus.Ok));
        Assert.That(m.Its.LastTranslation.Result, Is.EqualTo(ItsTranslationResult.UnmappedDevice));
        Assert.That(m.Bus.Write(ItsTestMachine.Translater, 4, 20, new BusAttributes(RequesterId: 2, DeviceId: 7)), Is.EqualTo(BusStatus.Ok));
        Assert.That(m.TotalDelivered(), Is.EqualTo(0));
        Assert.That(m.Bus.Write(ItsTestMachine.Translater, 4, 20, new BusAttributes(RequesterId: 7, DeviceId: 2)), Is.EqualTo(BusStatus.Ok));
        Assert.That(m.Count(3, 8195), Is.EqualTo(1));
        Assert.That(m.Its.LastTranslation, Is.EqualTo(new MsiTranslation(2, 20, ItsTranslationResult.Delivered, 8195, 3, 0, m.Its.LastTranslation.CompletePs)));
    }
}
