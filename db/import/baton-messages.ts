/**
 * Decoders for the Baton v2 protobuf messages stored in c1z files (package
 * `c1.connector.v2`). Only the fields Recert reads are decoded; the others, such as the
 * free-form `profile` Structs, are skipped.
 * Field numbers are those of ConductorOne's public baton-sdk definitions.
 */
import { ProtobufReader, WireType } from './protobuf-reader.js';

/** `c1.connector.v2.ResourceId`. */
export interface BatonResourceId {
  resourceType: string;
  resource: string;
}

export type BatonUserStatus = 'unspecified' | 'enabled' | 'disabled' | 'deleted';
export type BatonAccountType = 'unspecified' | 'human' | 'service' | 'system';

/** `c1.connector.v2.UserTrait`, the annotation that marks a resource as a user. */
export interface BatonUserTrait {
  emails: { address: string; isPrimary: boolean }[];
  status: BatonUserStatus;
  statusDetails?: string;
  accountType: BatonAccountType;
  login?: string;
  loginAliases: string[];
  createdAt?: Date;
  lastLogin?: Date;
}

/** `c1.connector.v2.Resource`, with the traits Recert reads from its annotations. */
export interface BatonResource {
  id?: BatonResourceId;
  parent?: BatonResourceId;
  displayName: string;
  description?: string;
  user?: BatonUserTrait;
  isGroup: boolean;
  /** `Resource.status`, set by newer connectors on any resource type. */
  status?: BatonUserStatus;
}

/** `c1.connector.v2.Entitlement`. */
export interface BatonEntitlement {
  resource?: BatonResource;
  id: string;
  displayName: string;
  description?: string;
  /** unspecified, assignment or permission. */
  purpose: 'unspecified' | 'assignment' | 'permission';
  slug: string;
}

/** `c1.connector.v2.Grant`, without the copies of its entitlement's and principal's fields. */
export interface BatonGrant {
  id: string;
  entitlementId?: string;
  principal?: BatonResourceId;
  /** Entitlement ids through which the principal has this grant, each marked direct or not. */
  sources: { entitlementId: string; isDirect: boolean }[];
}

/** `c1.connector.v2.ResourceType`. */
export interface BatonResourceType {
  id: string;
  displayName: string;
  traits: ('user' | 'group' | 'role' | 'app' | 'other')[];
}

const TYPE_URL_PREFIX = 'type.googleapis.com/c1.connector.v2.';

const USER_STATUSES: BatonUserStatus[] = ['unspecified', 'enabled', 'disabled', 'deleted'];
const ACCOUNT_TYPES: BatonAccountType[] = ['unspecified', 'human', 'service', 'system'];
const PURPOSES: BatonEntitlement['purpose'][] = ['unspecified', 'assignment', 'permission'];
const TRAITS: BatonResourceType['traits'] = ['other', 'user', 'group', 'role', 'app'];

function decodeResourceId(reader: ProtobufReader): BatonResourceId {
  const id: BatonResourceId = { resourceType: '', resource: '' };
  while (reader.next()) {
    if (reader.fieldNumber === 1) id.resourceType = reader.string();
    else if (reader.fieldNumber === 2) id.resource = reader.string();
    else reader.skip();
  }
  return id;
}

/** `google.protobuf.Timestamp` as a Date, or undefined for the zero instant. */
function decodeTimestamp(reader: ProtobufReader): Date | undefined {
  let seconds = 0;
  let nanos = 0;
  while (reader.next()) {
    if (reader.fieldNumber === 1) seconds = reader.varint();
    else if (reader.fieldNumber === 2) nanos = reader.varint();
    else reader.skip();
  }
  if (seconds === 0 && nanos === 0) return undefined;
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
}

function decodeUserTrait(reader: ProtobufReader): BatonUserTrait {
  const trait: BatonUserTrait = {
    emails: [],
    status: 'unspecified',
    accountType: 'unspecified',
    loginAliases: [],
  };
  while (reader.next()) {
    switch (reader.fieldNumber) {
      case 1: {
        const email = reader.message();
        const entry = { address: '', isPrimary: false };
        while (email.next()) {
          if (email.fieldNumber === 1) entry.address = email.string();
          else if (email.fieldNumber === 2) entry.isPrimary = email.bool();
          else email.skip();
        }
        trait.emails.push(entry);
        break;
      }
      case 2: {
        const status = reader.message();
        while (status.next()) {
          if (status.fieldNumber === 1)
            trait.status = USER_STATUSES[status.varint()] ?? 'unspecified';
          else if (status.fieldNumber === 2) trait.statusDetails = status.string();
          else status.skip();
        }
        break;
      }
      case 5:
        trait.accountType = ACCOUNT_TYPES[reader.varint()] ?? 'unspecified';
        break;
      case 6:
        trait.login = reader.string();
        break;
      case 7:
        trait.loginAliases.push(reader.string());
        break;
      case 8:
        trait.createdAt = decodeTimestamp(reader.message());
        break;
      case 9:
        trait.lastLogin = decodeTimestamp(reader.message());
        break;
      default:
        reader.skip();
    }
  }
  return trait;
}

/** Applies one `google.protobuf.Any` annotation of a resource. */
function applyResourceAnnotation(resource: BatonResource, reader: ProtobufReader) {
  let typeName = '';
  let value: Uint8Array | undefined;
  while (reader.next()) {
    if (reader.fieldNumber === 1) {
      const url = reader.string();
      typeName = url.startsWith(TYPE_URL_PREFIX) ? url.slice(TYPE_URL_PREFIX.length) : url;
    } else if (reader.fieldNumber === 2) value = reader.bytesField();
    else reader.skip();
  }
  if (!value) value = new Uint8Array();
  if (typeName === 'UserTrait') resource.user = decodeUserTrait(new ProtobufReader(value));
  else if (typeName === 'GroupTrait') resource.isGroup = true;
}

export function decodeResource(bytes: Uint8Array): BatonResource {
  return readResource(new ProtobufReader(bytes));
}

function readResource(reader: ProtobufReader): BatonResource {
  const resource: BatonResource = { displayName: '', isGroup: false };
  while (reader.next()) {
    switch (reader.fieldNumber) {
      case 1:
        resource.id = decodeResourceId(reader.message());
        break;
      case 2:
        resource.parent = decodeResourceId(reader.message());
        break;
      case 3:
        resource.displayName = reader.string();
        break;
      case 4:
        applyResourceAnnotation(resource, reader.message());
        break;
      case 5:
        resource.description = reader.string();
        break;
      case 11: {
        const status = reader.message();
        while (status.next()) {
          if (status.fieldNumber === 1) resource.status = USER_STATUSES[status.varint()];
          else status.skip();
        }
        break;
      }
      default:
        reader.skip();
    }
  }
  return resource;
}

export function decodeEntitlement(bytes: Uint8Array): BatonEntitlement {
  const reader = new ProtobufReader(bytes);
  const entitlement: BatonEntitlement = {
    id: '',
    displayName: '',
    purpose: 'unspecified',
    slug: '',
  };
  while (reader.next()) {
    switch (reader.fieldNumber) {
      case 1:
        entitlement.resource = readResource(reader.message());
        break;
      case 2:
        entitlement.id = reader.string();
        break;
      case 3:
        entitlement.displayName = reader.string();
        break;
      case 4:
        entitlement.description = reader.string();
        break;
      case 7:
        entitlement.purpose = PURPOSES[reader.varint()] ?? 'unspecified';
        break;
      case 8:
        entitlement.slug = reader.string();
        break;
      default:
        reader.skip();
    }
  }
  return entitlement;
}

/**
 * Decodes a grant's id, entitlement id, principal and sources. The copies of the whole
 * entitlement and principal resource inside each grant are skipped except for their ids,
 * because the c1z tables store those separately and a large sync has many grants.
 */
export function decodeGrant(bytes: Uint8Array): BatonGrant {
  const reader = new ProtobufReader(bytes);
  const grant: BatonGrant = { id: '', sources: [] };
  while (reader.next()) {
    switch (reader.fieldNumber) {
      case 1: {
        const entitlement = reader.message();
        while (entitlement.next()) {
          if (entitlement.fieldNumber === 2) grant.entitlementId = entitlement.string();
          else entitlement.skip();
        }
        break;
      }
      case 2: {
        const principal = reader.message();
        while (principal.next()) {
          if (principal.fieldNumber === 1) grant.principal = decodeResourceId(principal.message());
          else principal.skip();
        }
        break;
      }
      case 3:
        grant.id = reader.string();
        break;
      case 5: {
        // GrantSources is `map<string, GrantSource> sources = 1`; each map entry is a
        // message with the key in field 1 and the value in field 2.
        const sources = reader.message();
        while (sources.next()) {
          if (sources.fieldNumber !== 1) {
            sources.skip();
            continue;
          }
          const entry = sources.message();
          const source = { entitlementId: '', isDirect: false };
          while (entry.next()) {
            if (entry.fieldNumber === 1) source.entitlementId = entry.string();
            else if (entry.fieldNumber === 2) {
              const value = entry.message();
              while (value.next()) {
                if (value.fieldNumber === 1) source.isDirect = value.bool();
                else value.skip();
              }
            } else entry.skip();
          }
          grant.sources.push(source);
        }
        break;
      }
      default:
        reader.skip();
    }
  }
  return grant;
}

export function decodeResourceType(bytes: Uint8Array): BatonResourceType {
  const reader = new ProtobufReader(bytes);
  const type: BatonResourceType = { id: '', displayName: '', traits: [] };
  while (reader.next()) {
    switch (reader.fieldNumber) {
      case 1:
        type.id = reader.string();
        break;
      case 2:
        type.displayName = reader.string();
        break;
      case 3:
        if (reader.wireType === WireType.lengthDelimited || reader.wireType === WireType.varint) {
          for (const trait of reader.packedVarints()) type.traits.push(TRAITS[trait] ?? 'other');
        } else reader.skip();
        break;
      default:
        reader.skip();
    }
  }
  return type;
}
