variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of the deployment."
  type        = string
  default     = "omnigraph"
}

variable "query_zip" {
  description = "Path to target/lambda/query/bootstrap.zip from `cargo lambda build --release --arm64 --output-format zip`."
  type        = string
}

variable "mutate_zip" {
  description = "Path to target/lambda/mutate/bootstrap.zip."
  type        = string
}

variable "recover_zip" {
  description = "Path to target/lambda/recover/bootstrap.zip."
  type        = string
}

variable "code_bucket" {
  description = "Bucket for the uploaded function packages (null = the graph bucket)."
  type        = string
  default     = null
}

variable "architecture" {
  description = "arm64 (default) or x86_64; must match the build."
  type        = string
  default     = "arm64"
}

variable "deletion_protection" {
  description = "Deletion protection of the manifest table."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a bucket that still holds graphs."
  type        = bool
  default     = false
}

variable "enable_api_gateway" {
  description = "Also create the IAM-authorised HTTP API."
  type        = bool
  default     = false
}

variable "enable_function_urls" {
  description = "Create the IAM-authorised function URLs of query and mutate."
  type        = bool
  default     = true
}

variable "enable_async_invoke_config" {
  description = "Configure async invocation (retries, on-failure queue) of mutate and recover. Only emulators lacking the API turn this off."
  type        = bool
  default     = true
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic for alarm notifications (optional)."
  type        = string
  default     = null
}

# ---- emulator support (moto); the defaults are right for real AWS -------------------------

variable "endpoints" {
  description = "Service endpoint overrides keyed by s3, dynamodb, lambda, iam, sts, events, scheduler, sqs, logs, cloudwatch, sns, kms, apigateway, apigatewayv2. Empty = AWS's endpoints."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([for k in keys(var.endpoints) : contains([
      "apigateway", "apigatewayv2", "cloudwatch", "dynamodb", "events", "iam", "kms", "lambda",
      "logs", "s3", "scheduler", "sns", "sqs", "sts",
    ], k)])
    error_message = "endpoints keys must be among: apigateway, apigatewayv2, cloudwatch, dynamodb, events, iam, kms, lambda, logs, s3, scheduler, sns, sqs, sts."
  }
}

variable "skip_credentials_validation" {
  description = "Skip the STS credential check (emulators only)."
  type        = bool
  default     = false
}

variable "skip_requesting_account_id" {
  description = "Do not ask STS/IAM for the account id (emulators only)."
  type        = bool
  default     = false
}

variable "skip_metadata_api_check" {
  description = "Do not query the EC2 metadata API for credentials (emulators, CI)."
  type        = bool
  default     = false
}

variable "s3_use_path_style" {
  description = "Path-style S3 addressing (emulators)."
  type        = bool
  default     = false
}
