namespace OrleansAgents.Testing;

/// <summary>The front-end process a harness was waiting for exited before it answered as ready.</summary>
internal sealed class FrontEndExitedException() : Exception("The front end exited before it was ready.");
