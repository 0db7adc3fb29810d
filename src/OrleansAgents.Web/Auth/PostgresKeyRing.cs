using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using OrleansAgents.Journal;

namespace OrleansAgents.Web.Auth;

/// <summary>
/// The Data Protection key ring in the cluster's PostgreSQL (<c>oa_data_protection_keys</c>): every front end reads
/// and adds keys here, so a stream token issued by one front end opens the stream on any other, as a load balancer
/// sends it. Data Protection calls this rarely (at start, when it adds a key, and when it refreshes its ring, a day
/// apart) and synchronously, so the calls are synchronous too.
/// </summary>
/// <remarks>
/// The keys are stored as Data Protection writes them, unencrypted, like the file system's default on Linux: whoever
/// can read this table can read every run's events in the tables next to it anyway. Configure an
/// <c>IXmlEncryptor</c> (a certificate) for more.
/// </remarks>
public sealed class PostgresKeyRing(RunDataSources sources) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = sources.Cluster.CreateCommand("SELECT xml FROM oa_data_protection_keys ORDER BY created_at, name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var command = sources.Cluster.CreateCommand(
            "INSERT INTO oa_data_protection_keys (name, xml) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }
}
