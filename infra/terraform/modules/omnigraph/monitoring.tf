# ---------------------------------------------------------------------------------------------
# Alarms: Errors and Throttles per function, and any message in mutate's failure queue.
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
