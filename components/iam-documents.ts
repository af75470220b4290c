/** IAM policy documents built as typed objects, serialised in one place. */
export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export function policyDocument(statements: PolicyStatement[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** A trust policy that lets the given principal (e.g. { Service: "ec2.amazonaws.com" }) assume the role. */
export function assumeRolePolicy(principal: Record<string, string>): string {
    return policyDocument([{ Effect: "Allow", Action: "sts:AssumeRole", Principal: principal }]);
}
