using System.Net;
using System.Net.Sockets;

namespace OrleansAgents.Testing;

/// <summary>
/// Free loopback ports for the processes tests start. The kernel may hand the same ephemeral port to two binds to
/// port 0 in a row once the first listener is closed; a front end once got the same port for its HTTP endpoint and
/// its silo, and its host stopped on the second bind. So no port is handed out twice in a test process.
/// </summary>
public static class TestPorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A loopback port no listener holds now and this process has not handed out before.</summary>
    public static int Next()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
