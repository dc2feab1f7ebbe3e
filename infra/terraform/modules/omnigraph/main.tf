# OmniGraph Serverless: one graph bucket, one manifest table, three Lambda functions
# (query = reads, mutate = writes, recover = sweep + GC) and what wires them together.
#
#   storage.tf     bucket (+ policy, lifecycle, encryption) and manifest table
#   iam.tf         one least-privilege execution role per function
#   functions.tf   log groups, functions, function URLs, failure queue, async invoke config
#   events.tf      S3 -> mutate notification, recover schedule, optional HTTP API
#   monitoring.tf  alarms

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  table_name = coalesce(var.table_name, "${var.name}-manifest")

  # The three functions; everything per-function is keyed by these names.
  functions = {
    query = {
      zip         = var.query_zip
      memory      = var.query_memory_mb
      timeout     = var.query_timeout_secs
      reserved    = var.query_reserved_concurrency
      description = "OmniGraph reads: queries, snapshots, schema, branches, commits, changes"
    }
    mutate = {
      zip         = var.mutate_zip
      memory      = var.mutate_memory_mb
      timeout     = var.mutate_timeout_secs
      reserved    = var.mutate_reserved_concurrency
      description = "OmniGraph writes: mutations, loads (HTTP and S3-triggered), export, branches, merges, schema"
    }
    recover = {
      zip         = var.recover_zip
      memory      = var.recover_memory_mb
      timeout     = var.recover_timeout_secs
      reserved    = var.recover_reserved_concurrency
      description = "OmniGraph recovery: crash-sidecar sweep, garbage collection, retention"
    }
  }

  function_names = { for k, _ in local.functions : k => "${var.name}-${k}" }

  # Where the deployment packages are uploaded (the graph bucket unless one is given).
  code_bucket = coalesce(var.code_bucket, aws_s3_bucket.graph.bucket)

  # Function URLs / HTTP API integrations exist for these two only; recover has no HTTP entry.
  http_functions = toset(["query", "mutate"])

  recovery_deadline_secs = coalesce(var.recovery_deadline_secs, var.mutate_timeout_secs + 60)

  environment = merge(var.extra_environment, {
    OMNIGRAPH_STORE                   = "s3://${aws_s3_bucket.graph.bucket}/${var.graph_prefix}"
    OMNIGRAPH_MANIFEST                = "dynamodb://${aws_dynamodb_table.manifest.name}"
    OMNIGRAPH_INCOMING_PREFIX         = var.incoming_prefix
    OMNIGRAPH_MAX_BODY_BYTES          = tostring(var.max_body_bytes)
    OMNIGRAPH_MAX_ROWS                = tostring(var.max_rows)
    OMNIGRAPH_MAX_INLINE_EXPORT_BYTES = tostring(var.max_inline_export_bytes)
    OMNIGRAPH_RECOVERY_DEADLINE_SECS  = tostring(local.recovery_deadline_secs)
    AWS_LC_SYS_NO_JITTER_ENTROPY      = "1"
  })

  # ARNs the policies are built from.
  bucket_arn        = aws_s3_bucket.graph.arn
  graph_objects_arn = "${aws_s3_bucket.graph.arn}/${var.graph_prefix}/*"
  incoming_objs_arn = "${aws_s3_bucket.graph.arn}/${var.incoming_prefix}*"
  table_arn         = aws_dynamodb_table.manifest.arn

  alarm_actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]
}
