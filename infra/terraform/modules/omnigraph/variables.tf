# ---------------------------------------------------------------------------------------------
# Naming and tags
# ---------------------------------------------------------------------------------------------

variable "name" {
  description = "Name prefix for every resource of this deployment (functions are <name>-query, <name>-mutate, <name>-recover)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and '-', not starting or ending with '-'."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# Storage: S3 bucket
# ---------------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Exact name of the graph bucket. When null, a unique name starting with '<name>-graph-' is generated."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 characters: lowercase letters, digits, '.', '-')."
  }
}

variable "code_bucket" {
  description = "Bucket (same region) the function packages are uploaded to before deployment. Null = the module's graph bucket."
  type        = string
  default     = null
}

variable "code_prefix" {
  description = "Key prefix (no leading or trailing '/') of the uploaded function packages; must not overlap graph_prefix or incoming_prefix."
  type        = string
  default     = "_deploy"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.code_prefix))
    error_message = "code_prefix must be a non-empty key prefix without leading or trailing '/'."
  }
}

variable "graph_prefix" {
  description = "Key prefix (no leading or trailing '/') under which the graphs live: OMNIGRAPH_STORE = s3://<bucket>/<graph_prefix>."
  type        = string
  default     = "graphs"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.graph_prefix))
    error_message = "graph_prefix must be a non-empty key prefix without leading or trailing '/'."
  }
}

variable "incoming_prefix" {
  description = "Key prefix (ending in '/') for files that trigger S3 loads. Must not overlap graph_prefix, so a graph write can never trigger a load."
  type        = string
  default     = "incoming/"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/$", var.incoming_prefix))
    error_message = "incoming_prefix must be a non-empty key prefix ending in '/' and not starting with '/'."
  }
}

variable "incoming_suffix" {
  description = "Key suffix of the files under incoming_prefix that trigger a load."
  type        = string
  default     = ".jsonl"
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket even when it still holds objects (every graph). Keep false in production."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for the bucket (SSE-KMS with bucket keys), the manifest table, the failure queue and the function environment. Null = AWS-owned/managed keys (SSE-S3 AES256 for the bucket)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:...)."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which incomplete multipart uploads (from crashed writers) are aborted by the bucket lifecycle."
  type        = number
  default     = 2

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1 && floor(var.abort_incomplete_multipart_days) == var.abort_incomplete_multipart_days
    error_message = "abort_incomplete_multipart_days must be a whole number >= 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions (left behind by GC deletes and overwrites in the versioned bucket) expire. Null keeps them forever."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days == null || try(var.noncurrent_version_expiration_days >= 1, false)
    error_message = "noncurrent_version_expiration_days must be null or >= 1."
  }
}

# ---------------------------------------------------------------------------------------------
# Storage: DynamoDB manifest table
# ---------------------------------------------------------------------------------------------

variable "table_name" {
  description = "Name of the manifest table. Null = '<name>-manifest'."
  type        = string
  default     = null

  validation {
    condition     = var.table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 characters of letters, digits, '_', '.', '-'."
  }
}

variable "deletion_protection" {
  description = "DynamoDB deletion protection on the manifest table. Set false only for throw-away deployments."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------

variable "query_zip" {
  description = "Path to the query function's deployment zip (cargo lambda build --release --arm64 --output-format zip -> target/lambda/query/bootstrap.zip)."
  type        = string

  validation {
    condition     = endswith(var.query_zip, ".zip")
    error_message = "query_zip must be a path to a .zip file."
  }
}

variable "mutate_zip" {
  description = "Path to the mutate function's deployment zip (target/lambda/mutate/bootstrap.zip)."
  type        = string

  validation {
    condition     = endswith(var.mutate_zip, ".zip")
    error_message = "mutate_zip must be a path to a .zip file."
  }
}

variable "recover_zip" {
  description = "Path to the recover function's deployment zip (target/lambda/recover/bootstrap.zip)."
  type        = string

  validation {
    condition     = endswith(var.recover_zip, ".zip")
    error_message = "recover_zip must be a path to a .zip file."
  }
}

variable "architecture" {
  description = "Instruction set of the functions; must match the build (cargo lambda build --arm64 or --x86-64)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "query_memory_mb" {
  description = "Memory (MB) of the query function. CPU scales with memory."
  type        = number
  default     = 1024

  validation {
    condition     = var.query_memory_mb >= 128 && var.query_memory_mb <= 10240
    error_message = "query_memory_mb must be between 128 and 10240."
  }
}

variable "mutate_memory_mb" {
  description = "Memory (MB) of the mutate function."
  type        = number
  default     = 2048

  validation {
    condition     = var.mutate_memory_mb >= 128 && var.mutate_memory_mb <= 10240
    error_message = "mutate_memory_mb must be between 128 and 10240."
  }
}

variable "recover_memory_mb" {
  description = "Memory (MB) of the recover function."
  type        = number
  default     = 1024

  validation {
    condition     = var.recover_memory_mb >= 128 && var.recover_memory_mb <= 10240
    error_message = "recover_memory_mb must be between 128 and 10240."
  }
}

variable "query_timeout_secs" {
  description = "Timeout (seconds) of the query function. API Gateway HTTP APIs cut requests at 30 s whatever this is."
  type        = number
  default     = 30

  validation {
    condition     = var.query_timeout_secs >= 1 && var.query_timeout_secs <= 900
    error_message = "query_timeout_secs must be between 1 and 900."
  }
}

variable "mutate_timeout_secs" {
  description = "Timeout (seconds) of the mutate function (loads can be long; S3-triggered loads run asynchronously)."
  type        = number
  default     = 300

  validation {
    condition     = var.mutate_timeout_secs >= 1 && var.mutate_timeout_secs <= 900
    error_message = "mutate_timeout_secs must be between 1 and 900."
  }
}

variable "recover_timeout_secs" {
  description = "Timeout (seconds) of the recover function."
  type        = number
  default     = 300

  validation {
    condition     = var.recover_timeout_secs >= 1 && var.recover_timeout_secs <= 900
    error_message = "recover_timeout_secs must be between 1 and 900."
  }
}

variable "query_reserved_concurrency" {
  description = "Reserved concurrent executions for query. Null = unreserved (shares the account pool)."
  type        = number
  default     = null

  validation {
    condition     = var.query_reserved_concurrency == null || try(var.query_reserved_concurrency >= 0, false)
    error_message = "query_reserved_concurrency must be null or >= 0."
  }
}

variable "mutate_reserved_concurrency" {
  description = "Reserved concurrent executions for mutate. Null = unreserved."
  type        = number
  default     = null

  validation {
    condition     = var.mutate_reserved_concurrency == null || try(var.mutate_reserved_concurrency >= 0, false)
    error_message = "mutate_reserved_concurrency must be null or >= 0."
  }
}

variable "recover_reserved_concurrency" {
  description = "Reserved concurrent executions for recover. Null = unreserved (recover is idempotent and safe to run concurrently)."
  type        = number
  default     = null

  validation {
    condition     = var.recover_reserved_concurrency == null || try(var.recover_reserved_concurrency >= 0, false)
    error_message = "recover_reserved_concurrency must be null or >= 0."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing mode of the functions: \"Active\" (sample and trace) or \"PassThrough\" (trace only when the caller did)."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be \"Active\" or \"PassThrough\"."
  }
}

variable "max_body_bytes" {
  description = "OMNIGRAPH_MAX_BODY_BYTES: largest request body the functions accept. Lambda's synchronous payload limit is 6 MB."
  type        = number
  default     = 6000000

  validation {
    condition     = var.max_body_bytes >= 1024 && var.max_body_bytes <= 6291456
    error_message = "max_body_bytes must be between 1024 and 6291456."
  }
}

variable "max_rows" {
  description = "OMNIGRAPH_MAX_ROWS: largest number of rows a query answers inline."
  type        = number
  default     = 100000

  validation {
    condition     = var.max_rows >= 1
    error_message = "max_rows must be >= 1."
  }
}

variable "recovery_deadline_secs" {
  description = "OMNIGRAPH_RECOVERY_DEADLINE_SECS: age after which a crash sidecar belongs to a dead writer. Null = mutate_timeout_secs + 60. Must exceed the mutate timeout."
  type        = number
  default     = null

  validation {
    condition     = var.recovery_deadline_secs == null || try(var.recovery_deadline_secs >= 60, false)
    error_message = "recovery_deadline_secs must be null or >= 60."
  }
}

variable "max_inline_export_bytes" {
  description = "OMNIGRAPH_MAX_INLINE_EXPORT_BYTES: largest export answered inline; larger exports are written under the graph prefix (__exports/) and answered with their location."
  type        = number
  default     = 2000000

  validation {
    condition     = var.max_inline_export_bytes >= 0 && var.max_inline_export_bytes <= 3000000
    error_message = "max_inline_export_bytes must be between 0 and 3000000 (JSON escaping may double it within Lambda's 6 MB response limit)."
  }
}

variable "export_retention_days" {
  description = "Days after which stored exports (objects tagged omnigraph-export=1 under <graph>/__exports/) expire."
  type        = number
  default     = 7

  validation {
    condition     = var.export_retention_days >= 1
    error_message = "export_retention_days must be >= 1."
  }
}

variable "extra_environment" {
  description = "Extra environment variables for all three functions (e.g. RUST_LOG). Cannot override the OMNIGRAPH_* variables set by the module."
  type        = map(string)
  default     = {}
}

variable "mutate_async_max_retries" {
  description = "Retries (0-2) of a failed asynchronous mutate invocation (S3-triggered loads) before it goes to the failure queue."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.mutate_async_max_retries)
    error_message = "mutate_async_max_retries must be 0, 1 or 2."
  }
}

variable "mutate_async_max_event_age_secs" {
  description = "Maximum age (60-21600 s) of an asynchronous mutate event before it is sent to the failure queue unprocessed."
  type        = number
  default     = 21600

  validation {
    condition     = var.mutate_async_max_event_age_secs >= 60 && var.mutate_async_max_event_age_secs <= 21600
    error_message = "mutate_async_max_event_age_secs must be between 60 and 21600."
  }
}

variable "failure_queue_retention_secs" {
  description = "Message retention of the failure queue (failed asynchronous mutate invocations)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.failure_queue_retention_secs >= 60 && var.failure_queue_retention_secs <= 1209600
    error_message = "failure_queue_retention_secs must be between 60 and 1209600."
  }
}

# ---------------------------------------------------------------------------------------------
# Entry points and triggers
# ---------------------------------------------------------------------------------------------

variable "enable_function_urls" {
  description = "Create IAM-authenticated (AWS_IAM) function URLs for query and mutate."
  type        = bool
  default     = true
}

variable "enable_api_gateway" {
  description = "Create an API Gateway HTTP API with IAM-authorised routes in front of query and mutate."
  type        = bool
  default     = false
}

variable "api_throttling_burst_limit" {
  description = "Burst limit of the HTTP API's default stage (enable_api_gateway only)."
  type        = number
  default     = 100
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second of the HTTP API's default stage (enable_api_gateway only)."
  type        = number
  default     = 50
}

variable "enable_s3_trigger" {
  description = "Invoke mutate on s3:ObjectCreated:* under incoming_prefix with incoming_suffix. The module then owns the bucket's notification configuration."
  type        = bool
  default     = true
}

variable "enable_async_invoke_config" {
  description = "Configure asynchronous invocation of mutate (retries, max event age, on-failure destination = the failure queue) and recover (no retries: the schedule re-runs it). Turned off only for emulators lacking the API."
  type        = bool
  default     = true
}

variable "enable_schedule" {
  description = "Run recover on an EventBridge schedule."
  type        = bool
  default     = true
}

variable "recover_schedule_expression" {
  description = "EventBridge schedule expression for recover."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.recover_schedule_expression))
    error_message = "recover_schedule_expression must be a rate(...) or cron(...) expression."
  }
}

# ---------------------------------------------------------------------------------------------
# Logs and alarms
# ---------------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention (days) of the functions' CloudWatch log groups (and the HTTP API access log)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ..., 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN encrypting the log groups. Null = CloudWatch Logs default encryption. The key policy must allow the logs service principal."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:...)."
  }
}

variable "enable_alarms" {
  description = "Create CloudWatch alarms on Errors and Throttles of each function, on HTTP 5xx answers of query and mutate, and on the failure queue depth."
  type        = bool
  default     = true
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic ARN notified when an alarm fires or recovers. Null = alarms without actions."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be an SNS topic ARN (arn:aws:sns:...)."
  }
}

variable "alarm_period_secs" {
  description = "Evaluation period (seconds) of the alarms."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.alarm_period_secs)
    error_message = "alarm_period_secs must be 60, 300, 900 or 3600."
  }
}

variable "error_alarm_threshold" {
  description = "Errors (sum over one period) at or above which a function's error alarm fires."
  type        = number
  default     = 1
}

variable "server_error_alarm_threshold" {
  description = "HTTP 5xx answers (sum over one period, per HTTP function, from the summary log line) at or above which the 5xx alarm fires."
  type        = number
  default     = 1

  validation {
    condition     = var.server_error_alarm_threshold >= 1
    error_message = "server_error_alarm_threshold must be >= 1."
  }
}
