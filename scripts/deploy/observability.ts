/**
 * Each function's alarms and the stage's dashboard, added to the packaged template by the local
 * plugin scripts/deploy/observability.cjs from serverless.yml's functions and its
 * `custom.observability` block, so that a function added to serverless.yml is watched without
 * anyone remembering to. The stage-wide alarms (on-failure queue, surges of risk blocks and
 * lockouts) are written out in serverless.yml's resources.
 *
 * Per function:
 * - `<Name>ErrorsAlarm`: Lambda's Errors minus the deliberate refusals the function counted
 *   (EMF `Refused`): Lambda counts a refusal Cognito shows the user (or the authorizer's 401) as a
 *   function error, which is the product working, not failing. What is left is an unexpected
 *   failure, a timeout or a crash at cold start.
 * - `<Name>ThrottlesAlarm`: any throttled invocation (for a Cognito trigger, a failed sign-in).
 * - `<Name>DurationAlarm` (the synchronous Cognito triggers): p99 duration above the threshold,
 *   near the 5 seconds Cognito waits.
 */

/** A CloudFormation value: a literal, or an intrinsic function such as `{Ref: ...}`. */
type CfnValue = unknown;

export interface ObservedFunction {
  /** The key in serverless.yml's `functions`, e.g. `preSignUp`. */
  key: string;
  /** Its CloudFormation logical id, e.g. `PreSignUpLambdaFunction`. */
  logicalId: string;
}

export interface ObservabilityInput {
  stage: string;
  /** The EMF namespace and `service` dimension the functions emit with. */
  namespace: string;
  service: string;
  functions: ObservedFunction[];
  /** Keys of the functions Cognito waits for. */
  synchronousTriggers: string[];
  durationThresholdMs: number;
  /** Where alarms notify: a topic ARN or a reference to one. */
  alarmTopic: CfnValue;
  /** The logical ids of the stage-wide alarms (for the dashboard's alarm list). */
  stageAlarms: string[];
  /** The logical id of the on-failure queue, the HTTP API, and the API's log group. */
  failureQueue: string;
  httpApi: string;
}

export interface ObservabilityFragment {
  Resources: Record<string, Record<string, unknown>>;
  Outputs: Record<string, Record<string, unknown>>;
}

/** The `function` dimension of a function's EMF metrics: its file name (`pre-sign-up`). */
export function metricFunctionName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const capitalized = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}`;
const PERIOD = 300;

function lambdaMetric(fn: ObservedFunction, metricName: string, stat: string) {
  return {
    Metric: {
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn.logicalId } }],
    },
    Period: PERIOD,
    Stat: stat,
  };
}

function alarm(input: ObservabilityInput, description: string, properties: Record<string, unknown>) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: `Gatehouse ${input.stage} - ${description} (README "Operate")`,
      TreatMissingData: 'notBreaching',
      AlarmActions: [input.alarmTopic],
      OKActions: [input.alarmTopic],
      ...properties,
    },
  };
}

function errorsAlarm(input: ObservabilityInput, fn: ObservedFunction) {
  return alarm(input, `${fn.key} failed (errors that are not deliberate refusals)`, {
    Metrics: [
      { Id: 'errors', MetricStat: lambdaMetric(fn, 'Errors', 'Sum'), ReturnData: false },
      {
        Id: 'refused',
        MetricStat: {
          Metric: {
            Namespace: input.namespace,
            MetricName: 'Refused',
            Dimensions: [
              { Name: 'service', Value: input.service },
              { Name: 'function', Value: metricFunctionName(fn.key) },
            ],
          },
          Period: PERIOD,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      { Id: 'failures', Expression: 'errors - FILL(refused, 0)', Label: 'Failures', ReturnData: true },
    ],
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
}

function throttlesAlarm(input: ObservabilityInput, fn: ObservedFunction) {
  return alarm(input, `${fn.key} throttled`, {
    Namespace: 'AWS/Lambda',
    MetricName: 'Throttles',
    Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn.logicalId } }],
    Statistic: 'Sum',
    Period: PERIOD,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
}

function durationAlarm(input: ObservabilityInput, fn: ObservedFunction) {
  return alarm(input, `${fn.key} p99 duration above ${input.durationThresholdMs} ms (Cognito waits 5 s)`, {
    Namespace: 'AWS/Lambda',
    MetricName: 'Duration',
    Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn.logicalId } }],
    ExtendedStatistic: 'p99',
    Period: PERIOD,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: input.durationThresholdMs,
    ComparisonOperator: 'GreaterThanThreshold',
  });
}

/** The per-function alarms and the dashboard. */
export function observabilityResources(input: ObservabilityInput): ObservabilityFragment {
  const resources: Record<string, Record<string, unknown>> = {};
  const unknown = input.synchronousTriggers.filter((key) => !input.functions.some((fn) => fn.key === key));
  if (unknown.length > 0) {
    throw new Error(`custom.observability.synchronousTriggers names no function: ${unknown.join(', ')}`);
  }
  for (const fn of input.functions) {
    resources[`${capitalized(fn.key)}ErrorsAlarm`] = errorsAlarm(input, fn);
    resources[`${capitalized(fn.key)}ThrottlesAlarm`] = throttlesAlarm(input, fn);
    if (input.synchronousTriggers.includes(fn.key)) {
      resources[`${capitalized(fn.key)}DurationAlarm`] = durationAlarm(input, fn);
    }
  }
  const alarmIds = [...input.stageAlarms, ...Object.keys(resources)];
  resources.Dashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      // Dashboard names are unique in the account across regions.
      DashboardName: { 'Fn::Sub': `gatehouse-${input.stage}-\${AWS::Region}` },
      DashboardBody: { 'Fn::Sub': JSON.stringify(dashboardBody(input, alarmIds)) },
    },
  };
  return {
    Resources: resources,
    Outputs: {
      DashboardName: { Value: { Ref: 'Dashboard' } },
      SenderFailureQueueUrl: { Value: { Ref: input.failureQueue } },
    },
  };
}

/** `${LogicalId}` inside the dashboard's Fn::Sub: CloudFormation puts the function's name there. */
const sub = (logicalId: string) => `\${${logicalId}}`;

interface Widget {
  type: 'metric' | 'text' | 'alarm';
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

function metricWidget(title: string, metrics: unknown[], extra: Record<string, unknown> = {}): Widget {
  return {
    type: 'metric',
    width: 12,
    height: 6,
    properties: { title, metrics, view: 'timeSeries', region: '${AWS::Region}', period: PERIOD, ...extra },
  };
}

/**
 * A search over one EMF metric of this stage, one line per value of `dimensions`: a widget's
 * `metrics` (spread, one entry of them). Each entry of `metrics` is an array, an expression's too
 * (`[{expression, id, label}]`): CloudWatch refuses a dashboard body with a bare object there.
 */
function emfSearch(input: ObservabilityInput, metricName: string, dimensions: string[], label?: string) {
  const schema = [`"${input.namespace}"`, 'service', ...dimensions].join(',');
  return [
    [
      {
        expression: `SEARCH('{${schema}} MetricName="${metricName}" service="${input.service}"', 'Sum', ${PERIOD})`,
        id: `${metricName.toLowerCase()}${dimensions.length}`,
        ...(label ? { label } : {}),
      },
    ],
  ];
}

function emfCount(input: ObservabilityInput, metricName: string, dimensions: Record<string, string> = {}) {
  return [
    input.namespace,
    metricName,
    'service',
    input.service,
    ...Object.entries(dimensions).flat(),
    { stat: 'Sum', label: [metricName, ...Object.values(dimensions)].join(' ') },
  ];
}

function dashboardBody(input: ObservabilityInput, alarmIds: string[]) {
  const perFunction = (metricName: string, stat: string, only?: string[]) =>
    input.functions
      .filter((fn) => !only || only.includes(fn.key))
      .map((fn) => ['AWS/Lambda', metricName, 'FunctionName', sub(fn.logicalId), { stat, label: fn.key }]);
  const widgets: Widget[] = [
    {
      type: 'text',
      width: 24,
      height: 2,
      properties: {
        markdown: `# Gatehouse ${input.stage}\nOutcomes, risk, lockouts, deliveries and the authorizer (EMF namespace \`${input.namespace}\`), and each function's Lambda metrics. README "Operate" explains each.`,
      },
    },
    {
      type: 'alarm',
      width: 24,
      height: 4,
      properties: {
        title: 'Alarms',
        alarms: alarmIds.map(
          (id) => `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${sub(id)}`,
        ),
      },
    },
    metricWidget('Succeeded by function', emfSearch(input, 'Succeeded', ['function'])),
    metricWidget(
      'Refusals by function and code (Refused)',
      emfSearch(input, 'Refused', ['function', 'code']),
    ),
    metricWidget('Unexpected failures by function (Failed)', emfSearch(input, 'Failed', ['function'])),
    metricWidget(
      'Risk decisions by level and action (RiskDecision)',
      emfSearch(input, 'RiskDecision', ['level', 'action']),
    ),
    metricWidget('Lockouts begun', [emfCount(input, 'Lockouts')]),
    metricWidget('Custom senders: delivered, failed, outcome unknown, on-failure queue', [
      ...emfSearch(input, 'Delivered', ['channel'], 'delivered'),
      ...emfSearch(input, 'DeliveryFailed', ['channel'], 'failed'),
      ...emfSearch(input, 'DeliveryOutcomeUnknown', ['channel'], 'outcome unknown'),
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        `\${${input.failureQueue}.QueueName}`,
        { stat: 'Maximum', label: 'on-failure queue depth' },
      ],
    ]),
    metricWidget('Onboarding effects: left to the sweeper, swept, outcome unknown, abandoned', [
      emfCount(input, 'OnboardingEffectDeferred'),
      emfCount(input, 'OnboardingEffectSwept'),
      emfCount(input, 'OnboardingEffectOutcomeUnknown'),
      emfCount(input, 'OnboardingEffectAbandoned'),
    ]),
    metricWidget('Authorizer: allowed, denied (403), unauthorized (401), token cache hits', [
      emfCount(input, 'Allowed'),
      emfCount(input, 'Denied'),
      emfCount(input, 'Unauthorized'),
      emfCount(input, 'TokenCacheHits'),
    ]),
    metricWidget(
      `Cognito triggers: p99 duration (ms), alarm at ${input.durationThresholdMs}, Cognito gives up at 5000`,
      perFunction('Duration', 'p99', input.synchronousTriggers),
      {
        annotations: {
          horizontal: [
            { label: 'alarm', value: input.durationThresholdMs },
            { label: 'Cognito timeout', value: 5000 },
          ],
        },
      },
    ),
    metricWidget('Errors by function (Lambda; includes deliberate refusals)', perFunction('Errors', 'Sum')),
    metricWidget('Throttles by function', perFunction('Throttles', 'Sum')),
    metricWidget('Invocations by function', perFunction('Invocations', 'Sum')),
    metricWidget('HTTP API: 4xx, 5xx, latency p99', [
      ['AWS/ApiGateway', '4xx', 'ApiId', sub(input.httpApi), { stat: 'Sum' }],
      ['AWS/ApiGateway', '5xx', 'ApiId', sub(input.httpApi), { stat: 'Sum' }],
      ['AWS/ApiGateway', 'Latency', 'ApiId', sub(input.httpApi), { stat: 'p99', yAxis: 'right' }],
    ]),
  ];
  return { widgets };
}
