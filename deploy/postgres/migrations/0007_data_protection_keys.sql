-- OrleansAgents schema, version 7: the front ends' ASP.NET Core Data Protection key ring (the keys that sign stream
-- tokens), shared by every front end of the cluster, so that a token one front end issued opens the stream on another.
-- Rows are the key XML Data Protection writes; it adds a key before the current one expires and never deletes one.
CREATE TABLE oa_data_protection_keys (
    name       text PRIMARY KEY,
    xml        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
