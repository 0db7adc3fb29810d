using OrleansAgents.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansAgentsFrontEnd();

var app = builder.Build();
app.UseOrleansAgentsFrontEnd();
app.MapOrleansAgentsApi();
app.Run();
