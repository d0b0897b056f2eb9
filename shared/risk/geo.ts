import { readFileSync } from 'node:fs';
import { type CityResponse, Reader } from 'maxmind';

/** Where an attempt comes from, as far as the context or the database says. */
export interface GeoPoint {
  country?: string;
  latitude?: number;
  longitude?: number;
}

/** Finds the country and coordinates of an IP address; undefined when unknown. */
export type GeoLookup = (ip: string) => GeoPoint | undefined;

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in kilometres (haversine). */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A lookup over a MaxMind-format database (GeoLite2/GeoIP2 City or Country, or any .mmdb with
 * the same `country.iso_code` and `location` fields), read once from `path` (in production a
 * Lambda layer under /opt) and kept in memory: no network call at sign-in.
 */
export function mmdbLookup(path: string): GeoLookup {
  const reader = new Reader<CityResponse>(readFileSync(path));
  return (ip) => {
    let record: CityResponse | null;
    try {
      record = reader.get(ip);
    } catch {
      return undefined; // not an address the database can hold
    }
    if (!record) return undefined;
    const country = record.country?.iso_code ?? record.registered_country?.iso_code;
    const { latitude, longitude } = record.location ?? {};
    return {
      ...(country ? { country } : {}),
      ...(typeof latitude === 'number' && typeof longitude === 'number' ? { latitude, longitude } : {}),
    };
  };
}

/** Coordinates from the context, when both are present and in range. */
export function parseCoordinates(
  latitude: string | undefined,
  longitude: string | undefined,
): { latitude: number; longitude: number } | undefined {
  if (latitude === undefined || longitude === undefined) return undefined;
  const lat = Number(latitude);
  const lon = Number(longitude);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180)
    return undefined;
  return { latitude: lat, longitude: lon };
}
