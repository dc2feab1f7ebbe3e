output "bucket_name" {
  description = "Graph bucket."
  value       = module.omnigraph.bucket_name
}

output "store_uri" {
  description = "OMNIGRAPH_STORE of the functions."
  value       = module.omnigraph.store_uri
}

output "manifest_uri" {
  description = "OMNIGRAPH_MANIFEST of the functions."
  value       = module.omnigraph.manifest_uri
}

output "incoming_uri" {
  description = "Upload .jsonl files here for S3-triggered loads."
  value       = module.omnigraph.incoming_uri
}

output "function_names" {
  description = "Function names."
  value       = module.omnigraph.function_names
}

output "function_urls" {
  description = "IAM-authenticated function URLs of query and mutate."
  value       = module.omnigraph.function_urls
}

output "role_arns" {
  description = "Execution roles."
  value       = module.omnigraph.role_arns
}

output "failure_queue_arn" {
  description = "Failed asynchronous mutate invocations."
  value       = module.omnigraph.failure_queue_arn
}

output "api_endpoint" {
  description = "HTTP API endpoint, when enabled."
  value       = module.omnigraph.api_endpoint
}
