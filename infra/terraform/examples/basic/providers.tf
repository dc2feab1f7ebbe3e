# Against real AWS leave the emulator variables at their defaults: credentials come from the
# usual chain and every endpoint is AWS's own. Against an emulator (moto, see infra/check.sh)
# set `endpoints` and the skip_* / s3_use_path_style variables.

provider "aws" {
  region = var.region

  skip_credentials_validation = var.skip_credentials_validation
  skip_requesting_account_id  = var.skip_requesting_account_id
  skip_metadata_api_check     = var.skip_metadata_api_check
  s3_use_path_style           = var.s3_use_path_style

  endpoints {
    apigateway     = lookup(var.endpoints, "apigateway", null)
    apigatewayv2   = lookup(var.endpoints, "apigatewayv2", null)
    cloudwatch     = lookup(var.endpoints, "cloudwatch", null)
    cloudwatchlogs = lookup(var.endpoints, "logs", null)
    dynamodb       = lookup(var.endpoints, "dynamodb", null)
    eventbridge    = lookup(var.endpoints, "events", null)
    iam            = lookup(var.endpoints, "iam", null)
    kms            = lookup(var.endpoints, "kms", null)
    lambda         = lookup(var.endpoints, "lambda", null)
    s3             = lookup(var.endpoints, "s3", null)
    scheduler      = lookup(var.endpoints, "scheduler", null)
    sns            = lookup(var.endpoints, "sns", null)
    sqs            = lookup(var.endpoints, "sqs", null)
    sts            = lookup(var.endpoints, "sts", null)
  }

  default_tags {
    tags = {
      project = "omnigraph"
      stack   = var.name
    }
  }
}
