using OrleansAgents.Cli;

return await CliApplication.RunAsync(args);
