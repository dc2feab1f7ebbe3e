# ---------------------------------------------------------------------------------------------
# Alarms: Errors and Throttles per function, HTTP 5xx answers (below), and any message in
# mutate's failure queue.
# Actions go to alarm_sns_topic_arn when set.
# ---------------------------------------------------------------------------------------------

locals {
  function_alarms = var.enable_alarms ? merge([
    for fn in keys(local.functions) : {
      "${fn}-errors" = {
        function  = fn
        metric    = "Errors"
        threshold = var.error_alarm_threshold
      }
      "${fn}-throttles" = {
        function  = fn
        metric    = "Throttles"
        threshold = 1
      }
    }
  ]...) : {}
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = local.function_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.metric} of ${local.function_names[each.value.function]} >= ${each.value.threshold} in ${var.alarm_period_secs} s"
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = aws_lambda_function.function[each.value.function].function_name }
  statistic           = "Sum"
  period              = var.alarm_period_secs
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "mutate_failures" {
  count = var.enable_alarms ? 1 : 0

  alarm_name          = "${var.name}-mutate-failures-depth"
  alarm_description   = "Failed asynchronous mutate invocations (S3-triggered loads) are waiting in ${aws_sqs_queue.mutate_failures.name}"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.mutate_failures.name }
  statistic           = "Maximum"
  period              = var.alarm_period_secs
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# ---------------------------------------------------------------------------------------------
# HTTP 5xx answers. A function that answers `internal` or `unavailable` still ends its
# invocation normally (the error is the HTTP answer), so Lambda's Errors metric misses it: each
# HTTP function's summary log line (one JSON line per request: message "request" and the
# answered status under `fields`, see shared/api/src/service.rs) feeds a metric filter, and an
# alarm fires on any 5xx. A test in shared/api keeps the log line and this pattern in step.
# ---------------------------------------------------------------------------------------------

locals {
  server_error_pattern = "{ ($.fields.message = \"request\") && ($.fields.status >= 500) }"
}

resource "aws_cloudwatch_log_metric_filter" "server_errors" {
  for_each = var.enable_alarms ? local.http_functions : toset([])

  name           = "${var.name}-${each.key}-5xx"
  log_group_name = aws_cloudwatch_log_group.function[each.key].name
  pattern        = local.server_error_pattern

  metric_transformation {
    name          = "Http5xx-${each.key}"
    namespace     = "OmniGraph/${var.name}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "server_errors" {
  for_each = var.enable_alarms ? local.http_functions : toset([])

  alarm_name          = "${var.name}-${each.key}-5xx"
  alarm_description   = "HTTP 5xx answers of ${local.function_names[each.key]} >= ${var.server_error_alarm_threshold} in ${var.alarm_period_secs} s"
  namespace           = "OmniGraph/${var.name}"
  metric_name         = aws_cloudwatch_log_metric_filter.server_errors[each.key].metric_transformation[0].name
  statistic           = "Sum"
  period              = var.alarm_period_secs
  evaluation_periods  = 1
  threshold           = var.server_error_alarm_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
