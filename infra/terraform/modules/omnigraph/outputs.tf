output "bucket_name" {
  description = "Name of the graph bucket."
  value       = aws_s3_bucket.graph.bucket
}

output "bucket_arn" {
  description = "ARN of the graph bucket."
  value       = aws_s3_bucket.graph.arn
}

output "store_uri" {
  description = "OMNIGRAPH_STORE given to the functions (s3://<bucket>/<graph_prefix>)."
  value       = local.environment["OMNIGRAPH_STORE"]
}

output "incoming_uri" {
  description = "Where to upload .jsonl files for S3-triggered loads: s3://<bucket>/<incoming_prefix><graph>/<branch>/<file>.jsonl."
  value       = "s3://${aws_s3_bucket.graph.bucket}/${var.incoming_prefix}"
}

output "table_name" {
  description = "Name of the manifest table."
  value       = aws_dynamodb_table.manifest.name
}

output "table_arn" {
  description = "ARN of the manifest table."
  value       = aws_dynamodb_table.manifest.arn
}

output "manifest_uri" {
  description = "OMNIGRAPH_MANIFEST given to the functions (dynamodb://<table>)."
  value       = local.environment["OMNIGRAPH_MANIFEST"]
}

output "function_names" {
  description = "Function names keyed by query, mutate, recover."
  value       = { for k, f in aws_lambda_function.function : k => f.function_name }
}

output "function_arns" {
  description = "Function ARNs keyed by query, mutate, recover."
  value       = { for k, f in aws_lambda_function.function : k => f.arn }
}

output "function_urls" {
  description = "IAM-authenticated function URLs keyed by query and mutate (empty when enable_function_urls = false)."
  value       = { for k, u in aws_lambda_function_url.function : k => u.function_url }
}

output "role_arns" {
  description = "Execution role ARNs keyed by query, mutate, recover."
  value       = { for k, r in aws_iam_role.function : k => r.arn }
}

output "role_names" {
  description = "Execution role names keyed by query, mutate, recover."
  value       = { for k, r in aws_iam_role.function : k => r.name }
}

output "failure_queue_arn" {
  description = "ARN of the SQS queue receiving failed asynchronous mutate invocations."
  value       = aws_sqs_queue.mutate_failures.arn
}

output "failure_queue_url" {
  description = "URL of the SQS queue receiving failed asynchronous mutate invocations."
  value       = aws_sqs_queue.mutate_failures.id
}

output "log_group_names" {
  description = "CloudWatch log group names keyed by query, mutate, recover."
  value       = { for k, g in aws_cloudwatch_log_group.function : k => g.name }
}

output "api_endpoint" {
  description = "HTTP API endpoint (null when enable_api_gateway = false)."
  value       = var.enable_api_gateway ? aws_apigatewayv2_api.http[0].api_endpoint : null
}

output "recover_schedule_rule_arn" {
  description = "ARN of the EventBridge rule running recover (null when enable_schedule = false)."
  value       = var.enable_schedule ? aws_cloudwatch_event_rule.recover[0].arn : null
}
