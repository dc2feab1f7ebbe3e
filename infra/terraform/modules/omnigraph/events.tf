# ---------------------------------------------------------------------------------------------
# S3-triggered loads: ObjectCreated under incoming_prefix (suffix incoming_suffix) -> mutate,
# invoked asynchronously (retries and the failure queue come from the event invoke config).
# This resource owns the bucket's whole notification configuration.
# ---------------------------------------------------------------------------------------------

resource "aws_lambda_permission" "s3_invoke_mutate" {
  count = var.enable_s3_trigger ? 1 : 0

  statement_id   = "AllowS3IncomingObjects"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.function["mutate"].function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.graph.arn
  source_account = local.account_id
}

resource "aws_s3_bucket_notification" "incoming" {
  count = var.enable_s3_trigger ? 1 : 0

  bucket = aws_s3_bucket.graph.id

  lambda_function {
    id                  = "omnigraph-incoming-load"
    lambda_function_arn = aws_lambda_function.function["mutate"].arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.incoming_prefix
    filter_suffix       = var.incoming_suffix
  }

  depends_on = [aws_lambda_permission.s3_invoke_mutate]
}

# ---------------------------------------------------------------------------------------------
# recover on a schedule. The function receives EventBridge's "Scheduled Event" JSON
# (source = "aws.events", detail-type = "Scheduled Event").
# ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "recover" {
  count = var.enable_schedule ? 1 : 0

  name                = "${var.name}-recover-schedule"
  description         = "Runs ${local.function_names["recover"]}: crash-sidecar sweep and garbage collection"
  schedule_expression = var.recover_schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "recover" {
  count = var.enable_schedule ? 1 : 0

  rule      = aws_cloudwatch_event_rule.recover[0].name
  target_id = "recover"
  arn       = aws_lambda_function.function["recover"].arn
}

resource "aws_lambda_permission" "schedule_invoke_recover" {
  count = var.enable_schedule ? 1 : 0

  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["recover"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.recover[0].arn
}

# ---------------------------------------------------------------------------------------------
# Optional API Gateway HTTP API (payload format 2.0, IAM-authorised routes). The route map is
# generated from the service's route table (omnigraph_api::routes::api_gateway_routes; a test
# fails when api_routes.json is stale): each route goes to the function that serves it, and
# `$default` to query, so an unknown path gets the service's own `not_found`.
# HTTP APIs cut integrations at 30 s: long loads belong on the mutate function URL or S3.
# ---------------------------------------------------------------------------------------------

locals {
  api_routes = var.enable_api_gateway ? jsondecode(file("${path.module}/api_routes.json")) : {}
}

resource "aws_apigatewayv2_api" "http" {
  count = var.enable_api_gateway ? 1 : 0

  name          = "${var.name}-api"
  description   = "OmniGraph HTTP API (IAM auth)"
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "function" {
  for_each = var.enable_api_gateway ? local.http_functions : toset([])

  api_id                 = aws_apigatewayv2_api.http[0].id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.function[each.key].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "route" {
  for_each = local.api_routes

  api_id             = aws_apigatewayv2_api.http[0].id
  route_key          = each.key
  authorization_type = "AWS_IAM"
  target             = "integrations/${aws_apigatewayv2_integration.function[each.value].id}"
}

resource "aws_cloudwatch_log_group" "api_access" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 30 days); a year of debug logs is a cost the deployer opts into.
  count = var.enable_api_gateway ? 1 : 0

  name              = "/aws/apigateway/${var.name}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  count = var.enable_api_gateway ? 1 : 0

  api_id      = aws_apigatewayv2_api.http[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.api_throttling_burst_limit
    throttling_rate_limit  = var.api_throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access[0].arn
    format = jsonencode({
      requestId      = "$context.requestId"
      ip             = "$context.identity.sourceIp"
      caller         = "$context.identity.caller"
      userArn        = "$context.identity.userArn"
      requestTime    = "$context.requestTime"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      latency        = "$context.integrationLatency"
      error          = "$context.integrationErrorMessage"
    })
  }

  tags = var.tags
}

resource "aws_lambda_permission" "api_invoke" {
  for_each = var.enable_api_gateway ? local.http_functions : toset([])

  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http[0].execution_arn}/*/*"
}
