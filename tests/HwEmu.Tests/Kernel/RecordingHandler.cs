using HwEmu.Emulator.Kernel;

namespace HwEmu.Tests.Kernel;

/// <summary>Records (time, payload) of every event it receives and optionally runs an action.</summary>
internal sealed class RecordingHandler(Simulator simulator, Action<ulong>? onEvent = null) : IEventHandler
{
    public List<(ulong Time, ulong Payload)> Log { get; } = [];

    public void OnEvent(ulong payload)
    {
        Log.Add((simulator.Now, payload));
        onEvent?.Invoke(payload);
    }

    public ulong[] Payloads => [.. Log.Select(e => e.Payload)];
}
