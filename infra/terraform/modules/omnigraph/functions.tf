# ---------------------------------------------------------------------------------------------
# Log groups (created before the functions, so Lambda never creates an unmanaged one and the
# roles need no logs:CreateLogGroup), the functions, their URLs, and async invocation handling.
# ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 30 days); a year of debug logs is a cost the deployer opts into.
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# The packages go through S3: a direct upload is capped at 50 MB zipped, and the functions
# (Lance, DataFusion, the AWS SDK) are larger (docs/benchmarks.md); from S3 the limit is
# 250 MB unzipped. Keys are content-addressed, so a rebuild uploads a new object.
resource "aws_s3_object" "code" {
  #checkov:skip=CKV_AWS_186:The object takes the bucket's default encryption (SSE-KMS with kms_key_arn when set, else SSE-S3); kms_key_id is set explicitly when a key is given.
  for_each = local.functions

  bucket      = local.code_bucket
  key         = "${var.code_prefix}/${each.key}/${filesha256(each.value.zip)}.zip"
  source      = each.value.zip
  source_hash = filemd5(each.value.zip)
  kms_key_id  = var.kms_key_arn
  tags        = var.tags
}

resource "aws_lambda_function" "function" {
  #checkov:skip=CKV_AWS_117:The functions reach S3 and DynamoDB through their public endpoints; a VPC would add NAT/endpoint cost and cold-start latency for no isolation gain.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile outside this module; the zips come from the project's own CI build.
  #checkov:skip=CKV_AWS_116:query is invoked synchronously only; mutate's async failures go to an on-failure destination (aws_lambda_function_event_invoke_config -> SQS), which carries more context than a DLQ; recover is re-run by its schedule.
  for_each = local.functions

  function_name                  = local.function_names[each.key]
  description                    = each.value.description
  role                           = aws_iam_role.function[each.key].arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  s3_bucket                      = aws_s3_object.code[each.key].bucket
  s3_key                         = aws_s3_object.code[each.key].key
  source_code_hash               = filebase64sha256(each.value.zip)
  memory_size                    = each.value.memory
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.reserved == null ? -1 : each.value.reserved
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.function,
    aws_iam_role_policy.function,
  ]
}

resource "aws_lambda_function_url" "function" {
  for_each = var.enable_function_urls ? local.http_functions : toset([])

  function_name      = aws_lambda_function.function[each.key].function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "BUFFERED"
}

# ---------------------------------------------------------------------------------------------
# Failed asynchronous invocations of mutate (S3-triggered loads) land here.
# ---------------------------------------------------------------------------------------------

resource "aws_sqs_queue" "mutate_failures" {
  name                              = "${var.name}-mutate-failures"
  message_retention_seconds         = var.failure_queue_retention_secs
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  tags                              = var.tags
}

data "aws_iam_policy_document" "mutate_failures" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["sqs:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_sqs_queue.mutate_failures.arn]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "mutate_failures" {
  queue_url = aws_sqs_queue.mutate_failures.id
  policy    = data.aws_iam_policy_document.mutate_failures.json
}

resource "aws_lambda_function_event_invoke_config" "mutate" {
  count = var.enable_async_invoke_config ? 1 : 0

  function_name                = aws_lambda_function.function["mutate"].function_name
  maximum_retry_attempts       = var.mutate_async_max_retries
  maximum_event_age_in_seconds = var.mutate_async_max_event_age_secs

  destination_config {
    on_failure {
      destination = aws_sqs_queue.mutate_failures.arn
    }
  }

  # The role must be allowed to send before Lambda validates the destination.
  depends_on = [aws_iam_role_policy.function]
}

# recover is idempotent and the schedule runs it again; retrying a failed run only piles up.
resource "aws_lambda_function_event_invoke_config" "recover" {
  count = var.enable_async_invoke_config ? 1 : 0

  function_name                = aws_lambda_function.function["recover"].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}
