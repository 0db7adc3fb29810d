-- OrleansAgents schema, version 6: a response deleted while its run goes on. DELETE /v1/responses/{id} of a response
-- that is not its run's latest (its approval request was answered: a later response goes on with the run) hides
-- that response only; deleting the latest removes the run, and with it every row here.
ALTER TABLE oa_responses ADD COLUMN deleted_at timestamptz NULL;
