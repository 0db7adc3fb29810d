-- OrleansAgents schema, version 1: the tables and queries the Orleans ADO.NET providers need
-- (clustering, grain storage, reminders). The Orleans packages ship no SQL; the providers read the
-- text of every query they issue from OrleansQuery at start-up. Column names, parameter names and
-- result shapes below follow the provider contract of Microsoft.Orleans.*.AdoNet 10.x.
-- Applied by the schema migrator (deploy/postgres/apply.sh), once, inside a transaction.

CREATE TABLE orleansquery
(
    querykey  varchar(64)   NOT NULL PRIMARY KEY,
    querytext varchar(8000) NOT NULL
);

------------------------------------------------------------------------------------------------
-- Clustering
------------------------------------------------------------------------------------------------

CREATE TABLE orleansmembershipversiontable
(
    deploymentid varchar(150)   NOT NULL PRIMARY KEY,
    timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    version      integer        NOT NULL DEFAULT 0
);

CREATE TABLE orleansmembershiptable
(
    deploymentid varchar(150)   NOT NULL REFERENCES orleansmembershipversiontable (deploymentid),
    address      varchar(45)    NOT NULL,
    port         integer        NOT NULL,
    generation   integer        NOT NULL,
    siloname     varchar(150)   NOT NULL,
    hostname     varchar(150)   NOT NULL,
    status       integer        NOT NULL,
    proxyport    integer        NULL,
    suspecttimes varchar(8000)  NULL,
    starttime    timestamptz(3) NOT NULL,
    iamalivetime timestamptz(3) NOT NULL,
    PRIMARY KEY (deploymentid, address, port, generation)
);

-- Inserting a silo row and bumping the table version happen together or not at all; the version
-- check is the optimistic concurrency of the membership protocol. Returns 1 on success, 0 otherwise.
CREATE FUNCTION oa_membership_insert(
    p_deploymentid varchar, p_address varchar, p_port integer, p_generation integer,
    p_siloname varchar, p_hostname varchar, p_status integer, p_proxyport integer,
    p_starttime timestamptz, p_iamalivetime timestamptz, p_version integer)
RETURNS TABLE (row_count integer)
LANGUAGE plpgsql AS
$$
DECLARE
    inserted integer;
    bumped integer;
BEGIN
    INSERT INTO orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    VALUES
        (p_deploymentid, p_address, p_port, p_generation, p_siloname, p_hostname, p_status, p_proxyport, p_starttime, p_iamalivetime)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted = 0 THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;

    UPDATE orleansmembershipversiontable
       SET timestamp = now(), version = version + 1
     WHERE deploymentid = p_deploymentid AND version = p_version;
    GET DIAGNOSTICS bumped = ROW_COUNT;
    IF bumped = 0 THEN
        -- Someone else changed the table first: undo our insert and report failure.
        DELETE FROM orleansmembershiptable
         WHERE deploymentid = p_deploymentid AND address = p_address AND port = p_port AND generation = p_generation;
    END IF;
    RETURN QUERY SELECT bumped;
END
$$;

CREATE FUNCTION oa_membership_update(
    p_deploymentid varchar, p_address varchar, p_port integer, p_generation integer,
    p_status integer, p_suspecttimes varchar, p_iamalivetime timestamptz, p_version integer)
RETURNS TABLE (row_count integer)
LANGUAGE plpgsql AS
$$
DECLARE
    bumped integer;
    updated integer := 0;
BEGIN
    UPDATE orleansmembershipversiontable
       SET timestamp = now(), version = version + 1
     WHERE deploymentid = p_deploymentid AND version = p_version;
    GET DIAGNOSTICS bumped = ROW_COUNT;
    IF bumped > 0 THEN
        UPDATE orleansmembershiptable
           SET status = p_status, suspecttimes = p_suspecttimes, iamalivetime = p_iamalivetime
         WHERE deploymentid = p_deploymentid AND address = p_address AND port = p_port AND generation = p_generation;
        GET DIAGNOSTICS updated = ROW_COUNT;
        IF updated = 0 THEN
            RAISE EXCEPTION 'membership row % % % not found', p_address, p_port, p_generation;
        END IF;
    END IF;
    RETURN QUERY SELECT updated;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', '
    WITH inserted AS (
        INSERT INTO orleansmembershipversiontable (deploymentid) VALUES (@DeploymentId)
        ON CONFLICT (deploymentid) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM inserted;'),
('InsertMembershipKey', '
    SELECT row_count FROM oa_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName,
        @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);'),
('UpdateMembershipKey', '
    SELECT row_count FROM oa_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
        @SuspectTimes, @IAmAliveTime, @Version);'),
('UpdateIAmAlivetimeKey', '
    UPDATE orleansmembershiptable SET iamalivetime = @IAmAliveTime
     WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;'),
('MembershipReadRowKey', '
    SELECT v.deploymentid AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.siloname AS SiloName, m.hostname AS HostName, m.status AS Status, m.proxyport AS ProxyPort,
           m.suspecttimes AS SuspectTimes, m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime,
           v.version AS Version
      FROM orleansmembershipversiontable v
      LEFT JOIN orleansmembershiptable m
        ON m.deploymentid = v.deploymentid
       AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
     WHERE v.deploymentid = @DeploymentId;'),
('MembershipReadAllKey', '
    SELECT v.deploymentid AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.siloname AS SiloName, m.hostname AS HostName, m.status AS Status, m.proxyport AS ProxyPort,
           m.suspecttimes AS SuspectTimes, m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime,
           v.version AS Version
      FROM orleansmembershipversiontable v
      LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
     WHERE v.deploymentid = @DeploymentId;'),
('DeleteMembershipTableEntriesKey', '
    DELETE FROM orleansmembershiptable WHERE deploymentid = @DeploymentId;
    DELETE FROM orleansmembershipversiontable WHERE deploymentid = @DeploymentId;'),
('GatewaysQueryKey', '
    SELECT address AS Address, proxyport AS ProxyPort, generation AS Generation
      FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;'),
('CleanupDefunctSiloEntriesKey', '
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND iamalivetime < @IAmAliveTime AND status <> 3;');

------------------------------------------------------------------------------------------------
-- Grain storage
------------------------------------------------------------------------------------------------

CREATE TABLE orleansstorage
(
    grainidhash            integer      NOT NULL,
    grainidn0              bigint       NOT NULL,
    grainidn1              bigint       NOT NULL,
    graintypehash          integer      NOT NULL,
    graintypestring        varchar(512) NOT NULL,
    grainidextensionstring varchar(512) NULL,
    serviceid              varchar(150) NOT NULL,
    payloadbinary          bytea        NULL,
    modifiedon             timestamptz  NOT NULL,
    version                integer      NULL
);

-- One row per grain state: the unique index is what makes concurrent first writes safe.
CREATE UNIQUE INDEX ux_orleansstorage_grain
    ON orleansstorage (grainidhash, graintypehash, grainidn0, grainidn1, serviceid, graintypestring, grainidextensionstring)
    NULLS NOT DISTINCT;

-- Optimistic write: update when the caller's version matches, insert when the caller has seen no
-- state. Returns the new version, or the caller's version unchanged when the write lost a race
-- (Orleans then raises InconsistentStateException).
CREATE FUNCTION oa_storage_write(
    p_grainidhash integer, p_grainidn0 bigint, p_grainidn1 bigint, p_graintypehash integer,
    p_graintypestring varchar, p_grainidextensionstring varchar, p_serviceid varchar,
    p_version integer, p_payload bytea)
RETURNS TABLE (newgrainstateversion integer)
LANGUAGE plpgsql AS
$$
DECLARE
    result integer := p_version;
BEGIN
    IF p_version IS NOT NULL THEN
        UPDATE orleansstorage
           SET payloadbinary = p_payload, modifiedon = now(), version = version + 1
         WHERE grainidhash = p_grainidhash AND graintypehash = p_graintypehash
           AND grainidn0 = p_grainidn0 AND grainidn1 = p_grainidn1
           AND serviceid = p_serviceid AND graintypestring = p_graintypestring
           AND grainidextensionstring IS NOT DISTINCT FROM p_grainidextensionstring
           AND version = p_version
        RETURNING version INTO result;
        RETURN QUERY SELECT coalesce(result, p_version);
        RETURN;
    END IF;

    INSERT INTO orleansstorage
        (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring,
         serviceid, payloadbinary, modifiedon, version)
    VALUES
        (p_grainidhash, p_grainidn0, p_grainidn1, p_graintypehash, p_graintypestring, p_grainidextensionstring,
         p_serviceid, p_payload, now(), 1)
    ON CONFLICT DO NOTHING
    RETURNING version INTO result;
    RETURN QUERY SELECT result;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey', '
    SELECT newgrainstateversion AS NewGrainStateVersion
      FROM oa_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                            @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary);'),
('ReadFromStorageKey', '
    SELECT payloadbinary AS PayloadBinary, now() AS ReadOn, version AS Version
      FROM orleansstorage
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
       AND ((@GrainIdExtensionString IS NULL AND grainidextensionstring IS NULL)
            OR grainidextensionstring = @GrainIdExtensionString);'),
('ClearStorageKey', '
    UPDATE orleansstorage
       SET payloadbinary = NULL, version = version + 1
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
       AND ((@GrainIdExtensionString IS NULL AND grainidextensionstring IS NULL)
            OR grainidextensionstring = @GrainIdExtensionString)
       AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion;'),
('DeleteStorageKey', '
    DELETE FROM orleansstorage
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
       AND ((@GrainIdExtensionString IS NULL AND grainidextensionstring IS NULL)
            OR grainidextensionstring = @GrainIdExtensionString)
       AND version = @GrainStateVersion
    RETURNING version + 1 AS NewGrainStateVersion;');

------------------------------------------------------------------------------------------------
-- Reminders
------------------------------------------------------------------------------------------------

CREATE TABLE orleansreminderstable
(
    serviceid    varchar(150)   NOT NULL,
    grainid      varchar(150)   NOT NULL,
    remindername varchar(150)   NOT NULL,
    starttime    timestamptz(3) NOT NULL,
    period       bigint         NOT NULL,
    grainhash    integer        NOT NULL,
    version      integer        NOT NULL,
    PRIMARY KEY (serviceid, grainid, remindername)
);

CREATE INDEX ix_orleansreminderstable_hash ON orleansreminderstable (serviceid, grainhash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('UpsertReminderRowKey', '
    INSERT INTO orleansreminderstable AS r (serviceid, grainid, remindername, starttime, period, grainhash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
       SET starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash,
           version = r.version + 1
    RETURNING r.version AS Version;'),
('ReadReminderRowsKey', '
    SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId;'),
('ReadReminderRowKey', '
    SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName;'),
('ReadRangeRows1Key', '
    SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash;'),
('ReadRangeRows2Key', '
    SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash);'),
('DeleteReminderRowKey', '
    WITH deleted AS (
        DELETE FROM orleansreminderstable
         WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version
        RETURNING 1)
    SELECT count(*)::integer FROM deleted;'),
('DeleteReminderRowsKey', '
    DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId;');
