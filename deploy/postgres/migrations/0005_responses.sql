-- OrleansAgents schema, version 5: the Responses-compatible API (/v1/responses). A response is a stretch of a
-- run's journal (from its start, or from an approval it asked for, to the next question or its end); what the
-- journal does not hold about it is kept here: whether it was created in background mode, and its metadata.
-- On the run's journal server; removed with the run (retention, DELETE /v1/responses/{id}).
CREATE TABLE oa_responses
(
    response_id text        NOT NULL PRIMARY KEY,
    run_id      text        NOT NULL,
    background  boolean     NOT NULL,
    metadata    text        NOT NULL,
    previous_response_id text NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX ix_oa_responses_run ON oa_responses (run_id);
