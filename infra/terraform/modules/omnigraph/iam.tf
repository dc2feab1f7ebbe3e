# ---------------------------------------------------------------------------------------------
# One execution role per function, each with one inline policy built from policy documents.
#
#   query    S3 GetObject/ListBucket under the graph prefix; DynamoDB GetItem/Query. No writes
#            (also denied explicitly, so a broader policy attached later cannot add them).
#   mutate   S3 get/put/delete under the graph prefix, get under the incoming prefix;
#            DynamoDB get/put/update/delete/query; SendMessage to its failure queue.
#   recover  S3 get/list/put/delete under the graph prefix; DynamoDB read/write. Can invoke no
#            function (explicit deny).
#   all      their own log group, X-Ray segments, the KMS key when one is configured.
#
# infra/tests/check_iam.py asserts the query and recover rules on the rendered policies.
# ---------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    sid     = "LambdaAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name                 = "${local.function_names[each.key]}-role"
  description          = "Execution role of ${local.function_names[each.key]}"
  assume_role_policy   = data.aws_iam_policy_document.assume_lambda.json
  max_session_duration = 3600
  tags                 = var.tags
}

# Shared by every function: write its own log streams, send X-Ray segments.
data "aws_iam_policy_document" "common" {
  for_each = local.functions

  statement {
    sid       = "OwnLogGroup"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "XRay"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

# ---- query: read only -----------------------------------------------------------------------

data "aws_iam_policy_document" "query" {
  source_policy_documents = [data.aws_iam_policy_document.common["query"].json]

  statement {
    sid       = "ReadGraphObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.graph_objects_arn]
  }

  statement {
    sid       = "ListGraphPrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.graph_prefix}/*", "${var.graph_prefix}/"]
    }
  }

  statement {
    sid       = "ReadManifest"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [local.table_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptWithDataKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  # Defence in depth: even if someone attaches a broader policy to this role, it cannot write.
  statement {
    sid    = "DenyAllWrites"
    effect = "Deny"
    actions = [
      "s3:Put*",
      "s3:Delete*",
      "s3:Restore*",
      "s3:AbortMultipartUpload",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:TransactWriteItems",
      "lambda:InvokeFunction",
    ]
    resources = ["*"]
  }
}

# ---- mutate: writes -------------------------------------------------------------------------

data "aws_iam_policy_document" "mutate" {
  source_policy_documents = [data.aws_iam_policy_document.common["mutate"].json]

  statement {
    sid    = "ReadWriteGraphObjects"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:PutObjectTagging",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [local.graph_objects_arn]
  }

  statement {
    sid       = "ReadIncomingObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [local.incoming_objs_arn]
  }

  statement {
    sid       = "ListGraphAndIncomingPrefixes"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.graph_prefix}/*", "${var.graph_prefix}/", "${var.incoming_prefix}*"]
    }
  }

  statement {
    sid    = "ReadWriteManifest"
    effect = "Allow"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    ]
    resources = [local.table_arn]
  }

  statement {
    sid       = "SendToFailureQueue"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.mutate_failures.arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptDecryptWithDataKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

# ---- recover: sweep and GC; never invokes a function ----------------------------------------

data "aws_iam_policy_document" "recover" {
  source_policy_documents = [data.aws_iam_policy_document.common["recover"].json]

  statement {
    sid    = "SweepGraphObjects"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = [local.graph_objects_arn]
  }

  statement {
    sid       = "ListGraphPrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.graph_prefix}/*", "${var.graph_prefix}/"]
    }
  }

  statement {
    sid    = "ReadWriteManifest"
    effect = "Allow"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ]
    resources = [local.table_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptDecryptWithDataKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  statement {
    sid    = "DenyInvokingFunctions"
    effect = "Deny"
    actions = [
      "lambda:InvokeFunction",
      "lambda:InvokeAsync",
      "lambda:InvokeFunctionUrl",
    ]
    resources = ["*"]
  }
}

locals {
  role_policies = {
    query   = data.aws_iam_policy_document.query.json
    mutate  = data.aws_iam_policy_document.mutate.json
    recover = data.aws_iam_policy_document.recover.json
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "${local.function_names[each.key]}-policy"
  role   = aws_iam_role.function[each.key].id
  policy = local.role_policies[each.key]
}
